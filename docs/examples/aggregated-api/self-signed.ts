/**
 * @module docs/examples/aggregated-api/self-signed
 * A throwaway self-signed certificate for the example server. Node has no certificate generator
 * built in and the project adds no package for it, so this shells out to `openssl req` (present
 * on Debian, Ubuntu and macOS). The certificate names localhost, 127.0.0.1 and
 * <service>.<namespace>.svc, the TLS server name the aggregator asks for.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

export interface KeyPair {
  cert: string
  key: string
}

export async function selfSignedCertificate(serviceName: string, namespace: string): Promise<KeyPair> {
  const dir = await mkdtemp(join(tmpdir(), 'aggregated-api-tls-'))
  try {
    const keyPath = join(dir, 'tls.key')
    const certPath = join(dir, 'tls.crt')
    const dns = `${serviceName}.${namespace}.svc`
    await promisify(execFile)('openssl', [
      'req', '-x509', '-nodes', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
      '-keyout', keyPath, '-out', certPath, '-days', '365', '-subj', `/CN=${dns}`,
      '-addext', `subjectAltName=DNS:${dns},DNS:localhost,IP:127.0.0.1`,
    ])
    return { cert: await readFile(certPath, 'utf8'), key: await readFile(keyPath, 'utf8') }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
