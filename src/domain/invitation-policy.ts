// The invitation status machine. A pending invitation whose time has passed reads as `expired`,
// derived from the clock, so no job has to run for it to expire; `expired` is only ever stored
// for one superseded by a new invitation to the same email.
//
//   pending ──accept──▶ accepted        pending ──decline──▶ declined
//   pending ──revoke──▶ revoked         pending/expired ──resend──▶ pending (new token, new expiry)
import { normalizeEmail } from './emails.ts'
import { allowed, type Decision, refused } from './errors.ts'
import type { RoleName } from './permissions.ts'

export type InvitationStatus = 'pending' | 'accepted' | 'declined' | 'revoked' | 'expired'
export type StoredInvitationStatus = InvitationStatus

export interface Invitation {
  id: string
  organizationId: string
  email: string
  roles: RoleName[]
  status: StoredInvitationStatus
  invitedBy: { userId: string | null; name: string }
  createdAt: Date
  expiresAt: Date
}

export function statusAt(invitation: Pick<Invitation, 'status' | 'expiresAt'>, now: Date): InvitationStatus {
  return invitation.status === 'pending' && invitation.expiresAt <= now ? 'expired' : invitation.status
}

/** May the invitee accept or decline it now? */
export function checkRespondable(invitation: Pick<Invitation, 'status' | 'expiresAt'>, now: Date): Decision {
  const status = statusAt(invitation, now)
  if (status === 'expired')
    return refused('invitation_expired', 'this invitation has expired; ask for a new one')
  if (status !== 'pending') return refused('invitation_not_pending', `this invitation was ${status}`)
  return allowed
}

/** Resending works for a pending or an expired invitation; revoking too. */
export function checkReopenable(invitation: Pick<Invitation, 'status' | 'expiresAt'>, now: Date): Decision {
  const status = statusAt(invitation, now)
  if (status === 'pending' || status === 'expired') return allowed
  return refused('invitation_not_pending', `this invitation was ${status}`)
}

export function isInvitedEmail(invitation: Pick<Invitation, 'email'>, email: string): boolean {
  return normalizeEmail(invitation.email) === normalizeEmail(email)
}
