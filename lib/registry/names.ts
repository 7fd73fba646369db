/**
 * @module lib/registry/names
 * generateName, as k8s.io/apiserver pkg/storage/names/generate.go does it: the prefix cut to 58
 * characters plus five characters from an alphabet without vowels (so no words are spelled).
 */
import { randomInt } from 'node:crypto'

const alphabet = 'bcdfghjklmnpqrstvwxz2456789'
const maxNameLength = 63
const randomLength = 5
const maxGeneratedNameLength = maxNameLength - randomLength

export function generateName(base: string): string {
  const prefix = base.length > maxGeneratedNameLength ? base.slice(0, maxGeneratedNameLength) : base
  let suffix = ''
  for (let i = 0; i < randomLength; i++) suffix += alphabet[randomInt(alphabet.length)]
  return prefix + suffix
}

/** How many names the Store tries before answering 409 (the 1.32 behaviour). */
export const generateNameAttempts = 8
