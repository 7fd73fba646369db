/**
 * @module spec/lib/server/lifecycle
 * The lifecycle signals: one of each name, one-shot and idempotent, and every way of waiting for
 * one (promise, flag, AbortSignal) agrees.
 */
import { expect } from 'chai'
import { LifecycleSignal, LifecycleSignals, lifecycleSignalNames, newLifecycleSignals } from '../../../lib/server/lifecycle.js'
import type { LifecycleSignalName } from '../../../lib/server/lifecycle.js'

describe('lib/server/lifecycle', () => {
  describe('LifecycleSignal', () => {
    it('starts unsignaled', () => {
      const s = new LifecycleSignal('ShutdownInitiated')
      expect(s.name).to.equal('ShutdownInitiated')
      expect(s.signaled).to.equal(false)
      expect(s.abortSignal.aborted).to.equal(false)
    })

    it('releases waiters from before and after the signal', async () => {
      const s = new LifecycleSignal('HasBeenReady')
      const order: string[] = []
      const early = s.wait().then(() => order.push('early'))
      s.signal()
      expect(s.signaled).to.equal(true)
      const late = s.wait().then(() => order.push('late'))
      await Promise.all([early, late])
      expect(order).to.deep.equal(['early', 'late'])
    })

    it('returns the same promise on every wait()', () => {
      const s = new LifecycleSignal('HasBeenReady')
      expect(s.wait()).to.equal(s.wait())
    })

    it('is idempotent', async () => {
      const s = new LifecycleSignal('NotAcceptingNewRequest')
      let aborts = 0
      s.abortSignal.addEventListener('abort', () => aborts++)
      s.signal()
      s.signal()
      await s.wait()
      expect(s.signaled).to.equal(true)
      expect(aborts).to.equal(1)
    })

    it('aborts its AbortSignal synchronously, naming the event in the reason', () => {
      const s = new LifecycleSignal('NotAcceptingNewRequest')
      let seen = false
      s.abortSignal.addEventListener('abort', () => (seen = true))
      s.signal()
      expect(seen).to.equal(true)
      expect((s.abortSignal.reason as Error).message).to.equal('lifecycle signal NotAcceptingNewRequest')
    })
  })

  describe('LifecycleSignals', () => {
    const properties: Record<LifecycleSignalName, keyof LifecycleSignals> = {
      ShutdownInitiated: 'shutdownInitiated',
      AfterShutdownDelayDuration: 'afterShutdownDelayDuration',
      PreShutdownHooksStopped: 'preShutdownHooksStopped',
      NotAcceptingNewRequest: 'notAcceptingNewRequest',
      InFlightRequestsDrained: 'inFlightRequestsDrained',
      HTTPServerStoppedListening: 'httpServerStoppedListening',
      HasBeenReady: 'hasBeenReady',
      MuxAndDiscoveryComplete: 'muxAndDiscoveryComplete',
    }

    it('holds one signal per name, under its camel-case property', () => {
      const signals = newLifecycleSignals()
      expect(signals).to.be.instanceOf(LifecycleSignals)
      for (const [name, property] of Object.entries(properties)) {
        const signal = signals[property] as LifecycleSignal
        expect(signal.name).to.equal(name)
        expect(signals.byName(name as LifecycleSignalName)).to.equal(signal)
      }
    })

    it('lists every signal once, in lifecycle order', () => {
      const signals = newLifecycleSignals()
      expect(signals.all().map((s) => s.name)).to.deep.equal(lifecycleSignalNames)
      expect(new Set(lifecycleSignalNames).size).to.equal(8)
    })

    it('keeps the signals independent, and each set independent of the others', () => {
      const a = newLifecycleSignals()
      const b = newLifecycleSignals()
      a.shutdownInitiated.signal()
      expect(a.all().filter((s) => s.signaled).map((s) => s.name)).to.deep.equal(['ShutdownInitiated'])
      expect(b.shutdownInitiated.signaled).to.equal(false)
    })

    it('rejects an unknown name', () => {
      expect(() => newLifecycleSignals().byName('Bogus' as LifecycleSignalName)).to.throw(TypeError, 'unknown lifecycle signal "Bogus"')
    })
  })
})
