import { InMemoryCircuitStore } from '../../src/flowControl/memory/inMemoryCircuitStore';
import { InMemorySlotStore } from '../../src/flowControl/memory/inMemorySlotStore';
import { describeCircuitStoreContract } from './circuitStoreContract';
import { describeSlotStoreContract } from './slotStoreContract';

describeSlotStoreContract('in-memory twin', async () => new InMemorySlotStore());
describeCircuitStoreContract('in-memory twin', async () => new InMemoryCircuitStore());
