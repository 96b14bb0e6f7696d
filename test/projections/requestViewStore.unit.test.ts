import { InMemoryRequestViewStore } from '../../src/testing';
import { describeRequestViewStoreContract } from './requestViewStoreContract';

describeRequestViewStoreContract('in-memory twin', async () => new InMemoryRequestViewStore());
