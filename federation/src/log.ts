/** The logger shape the federation layer writes to: pino's, without depending on pino. */
export type FederationLogger = {
  debug(fields: object, message?: string): void
  info(fields: object, message?: string): void
  warn(fields: object, message?: string): void
  error(fields: object, message?: string): void
}

export const silentLogger: FederationLogger = { debug() {}, info() {}, warn() {}, error() {} }
