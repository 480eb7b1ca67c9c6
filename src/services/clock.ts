// Time, passed in so tests can move it (token expiry, session sliding) without sleeping.

export interface Clock {
  now(): Date
}

export const systemClock: Clock = { now: () => new Date() }
