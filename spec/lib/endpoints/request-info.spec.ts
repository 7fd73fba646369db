/**
 * @module spec/lib/endpoints/request-info
 * parseRequestInfo against the tables of apiserver's requestinfo_test.go (release-1.32):
 * TestGetAPIRequestInfo, TestGetNonAPIRequestInfo and TestSelectorParsing, plus the edge cases
 * the Go code handles without a test (decoded paths, undecodable ListOptions, /watch alone).
 */
import { expect } from 'chai'
import { parseRequestInfo } from '../../../lib/endpoints/request-info.js'
import type { RequestInfo } from '../../../lib/endpoints/request-info.js'

/** Splits a test URL like http.NewRequest does. */
function infoFor(method: string, url: string): RequestInfo {
  const q = url.indexOf('?')
  return q < 0 ? parseRequestInfo(method, url, new URLSearchParams()) : parseRequestInfo(method, url.slice(0, q), new URLSearchParams(url.slice(q + 1)))
}

describe('lib/endpoints/request-info', () => {
  describe('TestGetAPIRequestInfo success cases', () => {
    // method, url, verb, apiPrefix, apiGroup, apiVersion, namespace, resource, subresource, name, parts.
    // Go's table says "api" as prefix for the /apis/ rows too but never asserts it; the real value is used here.
    const cases: [string, string, string, string, string, string, string, string, string, string, string[]][] = [
      // resource paths
      ['GET', '/api/v1/namespaces', 'list', 'api', '', 'v1', '', 'namespaces', '', '', ['namespaces']],
      ['GET', '/api/v1/namespaces/other', 'get', 'api', '', 'v1', 'other', 'namespaces', '', 'other', ['namespaces', 'other']],
      ['GET', '/api/v1/namespaces/other/pods', 'list', 'api', '', 'v1', 'other', 'pods', '', '', ['pods']],
      ['GET', '/api/v1/namespaces/other/pods/foo', 'get', 'api', '', 'v1', 'other', 'pods', '', 'foo', ['pods', 'foo']],
      ['HEAD', '/api/v1/namespaces/other/pods/foo', 'get', 'api', '', 'v1', 'other', 'pods', '', 'foo', ['pods', 'foo']],
      ['GET', '/api/v1/pods', 'list', 'api', '', 'v1', '', 'pods', '', '', ['pods']],
      ['HEAD', '/api/v1/pods', 'list', 'api', '', 'v1', '', 'pods', '', '', ['pods']],
      ['GET', '/api/v1/namespaces/other/pods/foo', 'get', 'api', '', 'v1', 'other', 'pods', '', 'foo', ['pods', 'foo']],
      ['GET', '/api/v1/namespaces/other/pods', 'list', 'api', '', 'v1', 'other', 'pods', '', '', ['pods']],
      ['PATCH', '/api/v1/namespaces/new-namespace', 'patch', 'api', '', 'v1', 'new-namespace', 'namespaces', '', 'new-namespace', ['namespaces', 'new-namespace']],
      // special verbs
      ['GET', '/api/v1/proxy/namespaces/other/pods/foo', 'proxy', 'api', '', 'v1', 'other', 'pods', '', 'foo', ['pods', 'foo']],
      [
        'GET',
        '/api/v1/proxy/namespaces/other/pods/foo/subpath/not/a/subresource',
        'proxy',
        'api',
        '',
        'v1',
        'other',
        'pods',
        '',
        'foo',
        ['pods', 'foo', 'subpath', 'not', 'a', 'subresource'],
      ],
      ['GET', '/api/v1/watch/pods', 'watch', 'api', '', 'v1', '', 'pods', '', '', ['pods']],
      ['GET', '/api/v1/pods?watch=true', 'watch', 'api', '', 'v1', '', 'pods', '', '', ['pods']],
      ['GET', '/api/v1/pods?watch=false', 'list', 'api', '', 'v1', '', 'pods', '', '', ['pods']],
      ['GET', '/api/v1/watch/namespaces/other/pods', 'watch', 'api', '', 'v1', 'other', 'pods', '', '', ['pods']],
      ['GET', '/api/v1/namespaces/other/pods?watch=1', 'watch', 'api', '', 'v1', 'other', 'pods', '', '', ['pods']],
      ['GET', '/api/v1/namespaces/other/pods?watch=0', 'list', 'api', '', 'v1', 'other', 'pods', '', '', ['pods']],
      // subresource identification
      ['GET', '/api/v1/namespaces/other/pods/foo/status', 'get', 'api', '', 'v1', 'other', 'pods', 'status', 'foo', ['pods', 'foo', 'status']],
      ['GET', '/api/v1/namespaces/other/pods/foo/proxy/subpath', 'get', 'api', '', 'v1', 'other', 'pods', 'proxy', 'foo', ['pods', 'foo', 'proxy', 'subpath']],
      ['PUT', '/api/v1/namespaces/other/finalize', 'update', 'api', '', 'v1', 'other', 'namespaces', 'finalize', 'other', ['namespaces', 'other', 'finalize']],
      ['PUT', '/api/v1/namespaces/other/status', 'update', 'api', '', 'v1', 'other', 'namespaces', 'status', 'other', ['namespaces', 'other', 'status']],
      // verb identification
      ['PATCH', '/api/v1/namespaces/other/pods/foo', 'patch', 'api', '', 'v1', 'other', 'pods', '', 'foo', ['pods', 'foo']],
      ['DELETE', '/api/v1/namespaces/other/pods/foo', 'delete', 'api', '', 'v1', 'other', 'pods', '', 'foo', ['pods', 'foo']],
      ['POST', '/api/v1/namespaces/other/pods', 'create', 'api', '', 'v1', 'other', 'pods', '', '', ['pods']],
      // deletecollection verb identification
      ['DELETE', '/api/v1/nodes', 'deletecollection', 'api', '', 'v1', '', 'nodes', '', '', ['nodes']],
      ['DELETE', '/api/v1/namespaces', 'deletecollection', 'api', '', 'v1', '', 'namespaces', '', '', ['namespaces']],
      ['DELETE', '/api/v1/namespaces/other/pods', 'deletecollection', 'api', '', 'v1', 'other', 'pods', '', '', ['pods']],
      ['DELETE', '/apis/extensions/v1/namespaces/other/pods', 'deletecollection', 'apis', 'extensions', 'v1', 'other', 'pods', '', '', ['pods']],
      // api group identification
      ['POST', '/apis/extensions/v1/namespaces/other/pods', 'create', 'apis', 'extensions', 'v1', 'other', 'pods', '', '', ['pods']],
      // api version identification
      ['POST', '/apis/extensions/v1beta3/namespaces/other/pods', 'create', 'apis', 'extensions', 'v1beta3', 'other', 'pods', '', '', ['pods']],
      // not in Go's table: the Namespace's own subresources under GET, and a resource under the namespace named "status"
      ['GET', '/api/v1/namespaces/other/status', 'get', 'api', '', 'v1', 'other', 'namespaces', 'status', 'other', ['namespaces', 'other', 'status']],
      ['GET', '/api/v1/namespaces/status/pods', 'list', 'api', '', 'v1', 'status', 'pods', '', '', ['pods']],
      ['GET', '/apis/apps/v1/watch/namespaces/ns/deployments/web', 'watch', 'apis', 'apps', 'v1', 'ns', 'deployments', '', 'web', ['deployments', 'web']],
      ['GET', '/apis/apps/v1/namespaces/ns/deployments/web/scale', 'get', 'apis', 'apps', 'v1', 'ns', 'deployments', 'scale', 'web', ['deployments', 'web', 'scale']],
    ]
    for (const [method, url, verb, apiPrefix, apiGroup, apiVersion, namespace, resource, subresource, name, parts] of cases) {
      it(`${method} ${url}`, () => {
        const info = infoFor(method, url)
        expect(info).to.deep.equal({
          isResourceRequest: true,
          path: url.split('?')[0],
          verb,
          apiPrefix,
          apiGroup,
          apiVersion,
          namespace,
          resource,
          subresource,
          name,
          parts,
        })
      })
    }
  })

  describe('TestGetAPIRequestInfo error cases: non-resource requests', () => {
    const cases: Record<string, string> = {
      'no resource path': '/',
      'just apiversion': '/api/version/',
      'just prefix, group, version': '/apis/group/version/',
      'apiversion with no resource': '/api/version/',
      'bad prefix': '/badprefix/version/resource',
      'missing api group': '/apis/version/resource',
    }
    for (const [name, url] of Object.entries(cases)) {
      it(name, () => {
        expect(infoFor('GET', url).isResourceRequest).to.equal(false)
      })
    }
  })

  describe('TestGetNonAPIRequestInfo', () => {
    const cases: Record<string, [string, boolean]> = {
      'simple groupless': ['/api/version/resource', true],
      'simple group': ['/apis/group/version/resource/name/subresource', true],
      'more steps': ['/api/version/resource/name/subresource', true],
      'group list': ['/apis/batch/v1/job', true],
      'group get': ['/apis/batch/v1/job/foo', true],
      'group subresource': ['/apis/batch/v1/job/foo/scale', true],
      'bad root': ['/not-api/version/resource', false],
      'group without enough steps': ['/apis/extensions/v1beta1', false],
      'group without enough steps 2': ['/apis/extensions/v1beta1/', false],
      'not enough steps': ['/api/version', false],
      'one step': ['/api', false],
      'zero step': ['/', false],
      empty: ['', false],
    }
    for (const [name, [url, expected]] of Object.entries(cases)) {
      it(name, () => {
        expect(infoFor('GET', url).isResourceRequest).to.equal(expected)
      })
    }

    it('non-resource requests keep the lowercased method as verb and nothing else', () => {
      expect(infoFor('GET', '/healthz')).to.deep.equal({
        isResourceRequest: false,
        path: '/healthz',
        verb: 'get',
        apiPrefix: '',
        apiGroup: '',
        apiVersion: '',
        namespace: '',
        resource: '',
        subresource: '',
        name: '',
        parts: [],
      })
      expect(infoFor('POST', '/apis').verb).to.equal('post')
      expect(infoFor('OPTIONS', '/version').verb).to.equal('options')
    })

    it('a known prefix is recorded even when the path is too short to be a resource (as Go does)', () => {
      const info = infoFor('GET', '/apis/apps/v1')
      expect(info.isResourceRequest).to.equal(false)
      expect(info.apiPrefix).to.equal('apis')
      expect(info.verb).to.equal('get')
    })
  })

  describe('TestSelectorParsing (name lifting from fieldSelector=metadata.name)', () => {
    // name, method, url, expected name, expected verb
    const cases: [string, string, string, string, string][] = [
      ['no selector', 'GET', '/apis/group/version/resource', '', 'list'],
      ['metadata.name selector', 'GET', '/apis/group/version/resource?fieldSelector=metadata.name=name1', 'name1', 'list'],
      ['metadata.name selector with watch', 'GET', '/apis/group/version/resource?watch=true&fieldSelector=metadata.name=name1', 'name1', 'watch'],
      ['random selector', 'GET', '/apis/group/version/resource?fieldSelector=foo=bar&labelSelector=baz=qux', '', 'list'],
      ['invalid selector with metadata.name', 'GET', '/apis/group/version/resource?fieldSelector=metadata.name=name1,foo', '', 'list'],
      ['invalid selector with metadata.name with watch', 'GET', '/apis/group/version/resource?fieldSelector=metadata.name=name1,foo&watch=true', '', 'watch'],
      ['invalid selector with metadata.name with watch false', 'GET', '/apis/group/version/resource?fieldSelector=metadata.name=name1,foo&watch=false', '', 'list'],
      ['selector on deletecollection is honored', 'DELETE', '/apis/group/version/resource?fieldSelector=foo=bar&labelSelector=baz=qux', '', 'deletecollection'],
      [
        'selector on repeated param matches parsed param',
        'GET',
        '/apis/group/version/resource?fieldSelector=metadata.name=foo&fieldSelector=metadata.name=bar&labelSelector=foo=bar&labelSelector=foo=baz',
        'foo',
        'list',
      ],
      ['selector on other verb is ignored', 'GET', '/apis/group/version/resource/name?fieldSelector=foo=bar&labelSelector=foo=bar', 'name', 'get'],
      ['selector on deprecated root type watch is not parsed', 'GET', '/apis/group/version/watch/resource?fieldSelector=metadata.name=foo&labelSelector=foo=bar', '', 'watch'],
      ['selector on deprecated root item watch is not parsed', 'GET', '/apis/group/version/watch/resource/name?fieldSelector=metadata.name=foo&labelSelector=foo=bar', 'name', 'watch'],
      // beyond Go's table: what makes DecodeParameters fail, and names that are not path segments
      ['an unparsable label selector drops the name', 'GET', '/api/v1/pods?fieldSelector=metadata.name=a&labelSelector=x%20in%20(', '', 'list'],
      ['an unparsable timeoutSeconds drops the name', 'GET', '/api/v1/pods?fieldSelector=metadata.name=a&timeoutSeconds=ten&watch=1', '', 'watch'],
      ['an unparsable limit drops the name', 'GET', '/api/v1/pods?fieldSelector=metadata.name=a&limit=1.5', '', 'list'],
      ['a name that is not a path segment is not lifted', 'GET', '/api/v1/pods?fieldSelector=metadata.name=..', '', 'list'],
      ['a name with a slash is not lifted', 'GET', '/api/v1/pods?fieldSelector=metadata.name=a/b', '', 'list'],
      ['== pins the name too', 'GET', '/api/v1/namespaces/ns/pods?fieldSelector=metadata.name%3D%3Dweb', 'web', 'list'],
      ['!= does not pin the name', 'GET', '/api/v1/pods?fieldSelector=metadata.name!%3Dweb', '', 'list'],
      ['watch=FALSE is false', 'GET', '/api/v1/pods?watch=FALSE', '', 'list'],
      ['watch= (empty) is true', 'GET', '/api/v1/pods?watch=', '', 'watch'],
      ['watch=no is true (only false and 0 are false)', 'GET', '/api/v1/pods?watch=no', '', 'watch'],
      ['a lifted name does not turn the list into a get', 'GET', '/api/v1/pods?fieldSelector=metadata.name=x', 'x', 'list'],
    ]
    for (const [name, method, url, expectedName, expectedVerb] of cases) {
      it(name, () => {
        const info = infoFor(method, url)
        expect(info.name).to.equal(expectedName)
        expect(info.verb).to.equal(expectedVerb)
      })
    }
  })

  describe('paths', () => {
    it('decodes the path like Go URL.Path, so an encoded slash splits', () => {
      const info = infoFor('GET', '/api/v1/namespaces/a%2Fb/pods')
      expect(info.path).to.equal('/api/v1/namespaces/a/b/pods')
      expect(info).to.include({ namespace: 'a', resource: 'b', name: 'pods', verb: 'get' })
    })

    it('decodes UTF-8 escapes in names', () => {
      expect(infoFor('GET', '/api/v1/namespaces/ns/configmaps/caf%C3%A9').name).to.equal('café')
    })

    it('ignores leading and trailing slashes', () => {
      expect(infoFor('GET', '//api/v1/pods//')).to.include({ isResourceRequest: true, resource: 'pods', verb: 'list' })
    })

    it('gives an unknown method an empty verb on resource paths', () => {
      expect(infoFor('OPTIONS', '/api/v1/pods').verb).to.equal('')
    })

    it('a DELETE of a collection stays deletecollection even with a metadata.name field selector', () => {
      expect(infoFor('DELETE', '/api/v1/namespaces/ns/pods?fieldSelector=metadata.name=x')).to.include({ verb: 'deletecollection', name: '' })
    })

    it('throws Go\'s error for a special verb with nothing after it', () => {
      expect(() => infoFor('GET', '/api/v1/watch')).to.throw(Error, 'unable to determine kind and namespace from url, /api/v1/watch')
      expect(() => infoFor('GET', '/apis/apps/v1/proxy?x=1')).to.throw(Error, 'unable to determine kind and namespace from url, /apis/apps/v1/proxy?x=1')
    })
  })
})
