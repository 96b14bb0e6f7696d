import type { CircuitState, CircuitStore, StoredCircuit } from '../../engine/circuit';

/**
 * Dependency circuits in memory: the same optimistic writes as
 * `DynamoDbCircuitStore` (both pass the circuit store contract).
 *
 * @example
 * await runRequest({ …, flowControl: { circuits: new InMemoryCircuitStore() } });
 */
export class InMemoryCircuitStore implements CircuitStore {
  readonly #circuits = new Map<string, StoredCircuit>();

  async read(key: string): Promise<StoredCircuit | undefined> {
    const stored = this.#circuits.get(key);
    return stored && structuredClone(stored);
  }

  async write(
    key: string,
    state: CircuitState,
    expectedVersion: number,
  ): Promise<'written' | 'conflict'> {
    const version = this.#circuits.get(key)?.version ?? 0;
    if (version !== expectedVersion) return 'conflict';
    this.#circuits.set(key, { state: structuredClone(state), version: version + 1 });
    return 'written';
  }
}
