/**
 * @module routers/openapi
 * The aggregator's OpenAPI service (kube-aggregator's openapi controllers): one registry fed by
 * every server's resources, following them as they are added and removed, served as /openapi/v2,
 * /openapi/v3 and the Swagger UI at /openapi/ui/.
 */
import { defaultPatchTypes } from '../lib/endpoints/handlers/patch.js'
import type { GenericServer } from '../lib/server/generic-server.js'
import { OpenAPIRegistry } from '../openapi/document.js'
import { openAPIRouter } from '../openapi/handlers.js'
import { swaggerUIRouter } from '../openapi/swagger-ui.js'

export function installOpenAPI(outermost: GenericServer, servers: readonly GenericServer[]): OpenAPIRegistry {
  // The documents advertise exactly the patch types the patch handler accepts.
  const registry = new OpenAPIRegistry({ defaultPatchTypes: defaultPatchTypes() })
  for (const server of servers) {
    for (const { def } of server.mux.all()) if (def.schema) registry.addResource(def)
    server.mux.onChange((event, def) => {
      if (!def.schema) return
      if (event === 'add') registry.addResource(def)
      else registry.removeResource(def)
    })
  }
  outermost.router.use(swaggerUIRouter(registry), openAPIRouter(registry))
  return registry
}
