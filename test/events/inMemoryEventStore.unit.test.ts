import { InMemoryEventStore } from '../../src/events';
import { describeEventStoreContract } from './eventStoreContract';

describeEventStoreContract('in-memory twin', async () => ({ store: new InMemoryEventStore() }));
