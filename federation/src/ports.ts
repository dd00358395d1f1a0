/**
 * What the federation layer needs from the rest of Parley, as ports the server implements (with its
 * SQLite and MongoDB stores). Nothing here knows Fastify or the server's records. Actor ids and
 * inboxes are absolute URL strings (normalised by `new URL(...).href`); compare them as URLs.
 * One module per concern (ports/); this one gathers them for the package's importers.
 */
export type { FileAttachment } from './attachments/attachment-objects.ts'
export * from './ports/people.ts'
export * from './ports/rooms.ts'
export * from './ports/room-chat.ts'
export * from './ports/direct.ts'
export * from './ports/meetings.ts'
