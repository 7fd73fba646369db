/**
 * @module lib/server/kubeconfig
 * The kubeconfig the CLI writes next to the server, so that kubectl and client libraries work
 * with it as is (`kubectl --kubeconfig ./kube-express.kubeconfig get ns`).
 */
import { stringify } from 'yaml'

export const kubeconfigName = 'kube-express'

export function kubeconfigObject(serverURL: string, namespace = 'default'): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    // client-node refuses plain http unless TLS verification is declared off; kubectl ignores it.
    clusters: [{ name: kubeconfigName, cluster: { server: serverURL, 'insecure-skip-tls-verify': true } }],
    users: [{ name: kubeconfigName, user: {} }],
    contexts: [{ name: kubeconfigName, context: { cluster: kubeconfigName, user: kubeconfigName, namespace } }],
    'current-context': kubeconfigName,
    preferences: {},
  }
}

export function kubeconfigYAML(serverURL: string, namespace = 'default'): string {
  return stringify(kubeconfigObject(serverURL, namespace))
}
