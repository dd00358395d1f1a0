/**
 * What `parley serve` must not load with the embedded defaults (SQLite, mesh, local files, in-process
 * bus) unless configured or used, as patterns on module paths/URLs: checked on the TypeScript
 * sources (cli/startup-modules.test.ts) and on the bundle's chunks (server/scripts/bundle.test.ts).
 */
export const LAZY: Record<string, RegExp> = {
  'MongoDB driver': /\/node_modules\/(mongodb|bson)\//,
  'MongoDB store': /\/server\/src\/store\/mongo\//,
  ioredis: /\/node_modules\/ioredis\//,
  'S3 SDK': /\/node_modules\/@aws-sdk\//,
  'S3 blob store': /\/server\/src\/files\/blobs\/s3-blob-store\.ts$/,
  'Janus engine': /\/server\/src\/media\/janus\/janus-(engine|supervisor|connection|session)\.ts$/,
  werift: /\/node_modules\/werift/,
  sharp: /\/node_modules\/(sharp|@img)\//,
  'exif-reader': /\/node_modules\/exif-reader\//,
  'file-type': /\/node_modules\/file-type\//,
  tus: /\/node_modules\/@tus\//,
  'web-push': /\/node_modules\/web-push\//,
  rrule: /\/node_modules\/rrule\//,
  // The fetchers' agent (guarded-agent.ts) and Fedify's JSON-LD processor (patches/README.md).
  undici: /\/node_modules\/undici\//,
  jsonld: /\/node_modules\/jsonld\//,
  // Fedify's benchmark mode only (patches/README.md).
  'OpenTelemetry metrics SDK': /\/node_modules\/@opentelemetry\/sdk-metrics\//,
  // The API's OpenAPI document and Swagger UI, built at their first request (http/openapi.ts).
  '@fastify/swagger': /\/node_modules\/@fastify\/swagger(-ui)?\//,
  yaml: /\/node_modules\/yaml\//,
  // Only the parts that are used (their own files): not the package indexes' other backends.
  "prom-client's default metrics": /\/node_modules\/prom-client\/lib\/(defaultMetrics|pushgateway)\.js$/,
  "rate-limiter-flexible's other backends": /\/node_modules\/rate-limiter-flexible\/index\.js$/,
  'doctor checks': /\/server\/src\/cli\/doctor(-media)?\.ts$/,
}
