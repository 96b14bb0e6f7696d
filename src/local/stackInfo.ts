import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LocalStack } from './stack';

/** Where `npm start` tells other local tools (redrive, events) how to reach it. */
export const STACK_INFO_PATH = join('.streamer', 'local-stack.json');

/** What a running local stack publishes about itself. */
export type StackInfo = Pick<
  LocalStack,
  'url' | 'dynamoDbEndpoint' | 'sqsEndpoint' | 'tables' | 'queueUrls'
> & {
  readonly pid: number;
};

/** Writes the stack's facts for other local tools. */
export function writeStackInfo(info: StackInfo, path = STACK_INFO_PATH): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(info, null, 2)}\n`);
}

/** Removes the facts file when the stack stops. */
export function removeStackInfo(path = STACK_INFO_PATH): void {
  rmSync(path, { force: true });
}

/** Reads the running stack's facts, failing with what to do when there is none. */
export function readStackInfo(path = STACK_INFO_PATH): StackInfo {
  if (!existsSync(path)) {
    throw new Error(
      `No local stack is running (${path} not found): start one with npx streamer dev (npm start in the Streamer repository), or set the AWS settings in the environment.`,
    );
  }
  return JSON.parse(readFileSync(path, 'utf8')) as StackInfo;
}
