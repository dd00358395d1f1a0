/**
 * Why a fetch of a remote document was refused, as errors carrying a stable `code` (listed in
 * @parley/protocol's `RemoteFetchErrorCode`). They extend Fedify's `UrlError`/`FetchError`, so code
 * that knows only Fedify's errors still recognises them.
 */
import { FetchError, UrlError } from '@fedify/fedify'
import type { RemoteFetchErrorCode } from '@parley/protocol'

/** The host is, resolves to or connected to a non-public address. */
export class PrivateAddressError extends UrlError {
  readonly code: RemoteFetchErrorCode = 'fetch-private-address'
  constructor(host: string, address: string) {
    super(
      host === address ? `Invalid or private address: ${address}` : `Invalid or private address: ${host} is ${address}`,
    )
    this.name = 'PrivateAddressError'
  }
}

/** Not https (or, on a test network, not http either). */
export class SchemeRefusedError extends UrlError {
  readonly code: RemoteFetchErrorCode = 'fetch-scheme-refused'
  constructor(message: string) {
    super(message)
    this.name = 'SchemeRefusedError'
  }
}

/** A remote body past the size limit. */
export class DocumentTooLargeError extends FetchError {
  readonly code: RemoteFetchErrorCode = 'fetch-too-large'
  constructor(url: string, maxBytes: number) {
    super(url, `Remote document is larger than ${maxBytes} bytes`)
    this.name = 'DocumentTooLargeError'
  }
}

export class FetchTimeoutError extends FetchError {
  readonly code: RemoteFetchErrorCode = 'fetch-timeout'
  constructor(url: string, timeoutMs: number) {
    super(url, `Timed out after ${timeoutMs} ms`)
    this.name = 'FetchTimeoutError'
  }
}

/** Too many redirect or alternate-link hops, or a loop of them (`code` tells which). */
export class RedirectError extends FetchError {
  readonly code: RemoteFetchErrorCode
  constructor(url: string, code: 'fetch-too-many-redirects' | 'fetch-redirect-loop', message: string) {
    super(url, message)
    this.name = 'RedirectError'
    this.code = code
  }
}

/** An answer that is no ActivityPub document and names none (text/plain, bare JSON, HTML without an alternate link…). */
export class ContentTypeRefusedError extends FetchError {
  readonly code: RemoteFetchErrorCode = 'fetch-content-type-refused'
  constructor(url: string, contentType: string | null) {
    super(url, `Not an ActivityPub document (${contentType ?? 'no content type'}): ${url}`)
    this.name = 'ContentTypeRefusedError'
  }
}

export type RemoteFetchRefusal =
  | PrivateAddressError
  | SchemeRefusedError
  | DocumentTooLargeError
  | FetchTimeoutError
  | RedirectError
  | ContentTypeRefusedError

/** The stable code of a fetch refusal, or null for any other error. */
export function remoteFetchErrorCode(error: unknown): RemoteFetchErrorCode | null {
  const refusal =
    error instanceof PrivateAddressError ||
    error instanceof SchemeRefusedError ||
    error instanceof DocumentTooLargeError ||
    error instanceof FetchTimeoutError ||
    error instanceof RedirectError ||
    error instanceof ContentTypeRefusedError
  return refusal ? error.code : null
}
