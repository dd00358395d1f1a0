/**
 * Tests read outside-service locations (MONGODB_URL, REDIS_URL) through here: the one place besides
 * the config loader that looks at the environment, and only for test wiring.
 */
export function testEnv(name: string): string | undefined {
  // eslint-disable-next-line no-restricted-properties
  const value = process.env[name]
  return value === undefined || value === '' ? undefined : value
}
