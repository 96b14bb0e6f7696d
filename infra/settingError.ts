/**
 * A deploy setting (context value or environment variable) that cannot work.
 * The app prints its message, which says how to fix it, without a stack.
 */
export class SettingError extends Error {
  override readonly name = 'SettingError';
}
