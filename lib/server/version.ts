/**
 * @module lib/server/version
 * /version (server/routes/version.go): the Kubernetes release whose API this server speaks, so
 * kubectl's version-skew check is satisfied. Written like WriteRawJSON: indented, no newline.
 */
import type { Request, Response } from 'express'
import { arch, platform } from 'node:process'

export interface VersionInfo {
  major: string
  minor: string
  gitVersion: string
  gitCommit: string
  gitTreeState: string
  buildDate: string
  goVersion: string
  compiler: string
  platform: string
}

/** The API level served: Kubernetes 1.32. */
export const kubernetesVersion = { major: '1', minor: '32', gitVersion: 'v1.32.0' } as const

export function defaultVersionInfo(): VersionInfo {
  const goArch = arch === 'x64' ? 'amd64' : arch === 'ia32' ? '386' : arch
  return {
    ...kubernetesVersion,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2024-12-11T17:59:15Z',
    goVersion: `node${process.versions.node}`,
    compiler: 'kube-express',
    platform: `${platform}/${goArch}`,
  }
}

export function versionHandler(info: VersionInfo) {
  const body = JSON.stringify(info, null, 2)
  return function version(_req: Request, res: Response): void {
    res.status(200).setHeader('Content-Type', 'application/json')
    res.end(body)
  }
}
