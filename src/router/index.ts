export { type MappedError, mapError, notFound } from './errorMapping';
export { type RouteInput, type RouteOutcome, type RouterDeps, routeMessage } from './router';
export { type StatusData, statusData } from './statusData';
