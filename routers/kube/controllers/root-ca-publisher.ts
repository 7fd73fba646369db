/**
 * @module routers/kube/controllers/root-ca-publisher
 * The root CA certificate publisher of kube-controller-manager (pkg/controller/certificates/
 * rootcacertpublisher): a "kube-root-ca.crt" ConfigMap in every active namespace, with the CA that
 * signs the server's certificate under "ca.crt" and the description annotation; made again when
 * deleted and put back when its data or annotation is changed.
 *
 * The server has no serving CA yet (it listens on plain HTTP), so the default bundle is a
 * placeholder: a well-formed self-signed CA certificate (CN kube-express-placeholder-ca) whose
 * private key was thrown away when it was made. Clients that parse the bundle succeed; nothing can
 * ever be verified against it. A server with a real CA passes its PEM instead.
 */
import type { Logger } from 'pino'
import type { KubeObject } from '../../../lib/api/types.js'
import type { Store } from '../../../lib/registry/store.js'
import { runPerNamespaceObject } from './per-namespace-object.js'

export const rootCAConfigMapName = 'kube-root-ca.crt'
export const descriptionAnnotation = 'kubernetes.io/description'
export const rootCADescription =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.'

/** See the module comment: syntactically valid, trusted by nobody. */
export const placeholderRootCA = `-----BEGIN CERTIFICATE-----
MIIBszCCAVmgAwIBAgIUel6g+UuN0P6JS91p4PjTveMyTDEwCgYIKoZIzj0EAwIw
JjEkMCIGA1UEAwwba3ViZS1leHByZXNzLXBsYWNlaG9sZGVyLWNhMCAXDTI2MTEy
NTIyNTUxOFoYDzIxMjYxMTAxMjI1NTE4WjAmMSQwIgYDVQQDDBtrdWJlLWV4cHJl
c3MtcGxhY2Vob2xkZXItY2EwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAARjmfgg
uq3EJvFpIV0FONEu56BSh4Qxt1bngd8N/0NPs754ZLT0ClsqV7RkgSwTwn+2RWU7
OUrVCsklqr12mdH3o2MwYTAdBgNVHQ4EFgQUAiNwgX2p7tjrY4rB1OpDcMKOu1cw
HwYDVR0jBBgwFoAUAiNwgX2p7tjrY4rB1OpDcMKOu1cwDwYDVR0TAQH/BAUwAwEB
/zAOBgNVHQ8BAf8EBAMCAoQwCgYIKoZIzj0EAwIDSAAwRQIhAKnxXCV7ZrSM17MI
8P2kpimpundoUeatgdWZXRYPGQKrAiAXkW45jcm38aOpf55BLZbKSIuND/O6ra2r
JDrUmYwKiA==
-----END CERTIFICATE-----
`

export interface RootCAPublisherDeps {
  namespaces: Store
  configmaps: Store
  /** The PEM bundle to publish; the placeholder when the server has no CA. */
  rootCA?: string
  logger: Logger
}

/** Resolves once the namespaces present at start have the ConfigMap; keeps watching after. */
export function runRootCAPublisher(deps: RootCAPublisherDeps, signal: AbortSignal): Promise<void> {
  const data = { 'ca.crt': deps.rootCA ?? placeholderRootCA }
  return runPerNamespaceObject(
    {
      name: 'root-ca-cert-publisher',
      namespaces: deps.namespaces,
      store: deps.configmaps,
      objectName: rootCAConfigMapName,
      desired: () => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: rootCAConfigMapName, annotations: { [descriptionAnnotation]: rootCADescription } }, data: { ...data } }),
      // The publisher's check: the data must match exactly and the annotation must be there.
      repair(current: KubeObject): KubeObject | undefined {
        const annotations = current.metadata.annotations ?? {}
        if (JSON.stringify(current['data'] ?? {}) === JSON.stringify(data) && annotations[descriptionAnnotation]) return undefined
        return { ...current, metadata: { ...current.metadata, annotations: { ...annotations, [descriptionAnnotation]: rootCADescription } }, data: { ...data } }
      },
      logger: deps.logger,
    },
    signal,
  )
}
