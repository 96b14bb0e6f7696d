export { type MappedError, mapError, notFound } from './errorMapping';
export { type MessageEvent, type RoutedEvent, routeEvent } from './routeEvent';
export { type RouteInput, type RouteOutcome, type RouterDeps, routeMessage } from './router';
export { type StatusData, statusData } from './statusData';
