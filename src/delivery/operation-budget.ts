import { REQUEST_OPERATION_BUDGET } from "../lib/limits";

/**
 * What one request may still spend on other services: every KV list, get, put and delete, every
 * Queues send or sendBatch, every D1 call and outbound fetch is one operation, and production
 * refuses a request past its limit. Work that can grow with stored state (a resume, a bulk
 * replay) asks before each step and stops where the next one would not fit, saying what is left.
 */
export class OperationBudget {
  #spent = 0;

  constructor(readonly limit: number = REQUEST_OPERATION_BUDGET) {}

  get left(): number {
    return this.limit - this.#spent;
  }

  allows(operations: number): boolean {
    return this.#spent + operations <= this.limit;
  }

  spend(operations = 1): void {
    this.#spent += operations;
  }
}
