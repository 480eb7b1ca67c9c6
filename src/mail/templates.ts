// The mails Portico sends, each with a text and an HTML part. Everything a user typed is escaped
// in HTML and kept on one line in subjects; links are built from PUBLIC_URL only, never from a
// request header.
import type { OutgoingMail } from '../store/mail-outbox.repository.ts'

const htmlEscapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => htmlEscapes[c] ?? c)
}

/** User text placed in a header: control characters (CR, LF above all) become spaces. */
export function oneLine(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim()
}

function layout(heading: string, paragraphs: string[], action: { label: string; url: string }): string {
  return [
    '<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#1f2328">',
    `<h1 style="font-size:20px">${escapeHtml(heading)}</h1>`,
    ...paragraphs.map((p) => `<p>${p}</p>`),
    `<p><a href="${escapeHtml(action.url)}" style="display:inline-block;padding:10px 16px;background:#2452d9;color:#fff;border-radius:6px;text-decoration:none">${escapeHtml(action.label)}</a></p>`,
    `<p style="color:#57606a;font-size:13px">Or open this link: ${escapeHtml(action.url)}</p>`,
    '</body></html>',
  ].join('\n')
}

export function emailVerificationMail(input: { to: string; name: string; link: string }): OutgoingMail {
  return {
    to: input.to,
    subject: 'Verify your email for Portico',
    text: `Hello ${oneLine(input.name)},\n\nConfirm that this address is yours by opening this link within 24 hours:\n\n${input.link}\n\nIf you did not create a Portico account, ignore this mail.\n`,
    html: layout(
      'Verify your email',
      [
        `Hello ${escapeHtml(input.name)},`,
        'Confirm that this address is yours. The link works for 24 hours.',
        'If you did not create a Portico account, ignore this mail.',
      ],
      { label: 'Verify email', url: input.link },
    ),
  }
}

export function passwordResetMail(input: { to: string; name: string; link: string }): OutgoingMail {
  return {
    to: input.to,
    subject: 'Reset your Portico password',
    text: `Hello ${oneLine(input.name)},\n\nSomeone asked to reset the password of this Portico account. To choose a new one, open this link within an hour:\n\n${input.link}\n\nIf it was not you, ignore this mail: your password stays as it is.\n`,
    html: layout(
      'Reset your password',
      [
        `Hello ${escapeHtml(input.name)},`,
        'Someone asked to reset the password of this Portico account. The link works for an hour.',
        'If it was not you, ignore this mail: your password stays as it is.',
      ],
      { label: 'Choose a new password', url: input.link },
    ),
  }
}

export function invitationMail(input: {
  to: string
  organizationName: string
  inviterName: string
  /** Whether the inviter has proved their address; the mail says so plainly when not. */
  inviterEmailVerified: boolean
  roleTitles: string[]
  link: string
  expiresAt: Date
  logo?: { contentType: string; bytes: Buffer }
}): OutgoingMail {
  const organization = oneLine(input.organizationName)
  const inviter = oneLine(input.inviterName)
  const roles = input.roleTitles.join(', ')
  const expires = input.expiresAt.toUTCString()
  const unverified = input.inviterEmailVerified
    ? ''
    : `${inviter} has not verified their email address yet: Portico cannot confirm who sent this invitation.`
  const logoCid = 'organization-logo@portico'
  const extension = input.logo?.contentType.split('/')[1] ?? 'png'
  const logoHtml = input.logo
    ? `<img src="cid:${logoCid}" alt="" width="48" height="48" style="border-radius:8px;vertical-align:middle"> `
    : ''
  const html = layout(
    `Join ${organization} on Portico`,
    [
      `${logoHtml}<strong>${escapeHtml(inviter)}</strong> invited you to join <strong>${escapeHtml(organization)}</strong>.`,
      `Your role${input.roleTitles.length === 1 ? '' : 's'}: ${escapeHtml(roles)}.`,
      ...(unverified ? [`<strong>${escapeHtml(unverified)}</strong>`] : []),
      `The invitation expires on ${escapeHtml(expires)}. If you have no Portico account yet, you can create one from the link with this email address.`,
      'If you did not expect this invitation, ignore this mail.',
    ],
    { label: 'View the invitation', url: input.link },
  )
  return {
    to: input.to,
    subject: `${inviter} invited you to ${organization} on Portico`,
    text: `${inviter} invited you to join ${organization} on Portico.\n\nYour role${input.roleTitles.length === 1 ? '' : 's'}: ${roles}.\n\n${unverified ? `${unverified}\n\n` : ''}Open this link to accept or decline:\n\n${input.link}\n\nThe invitation expires on ${expires}. If you have no Portico account yet, you can create one from the link with this email address.\n\nIf you did not expect this invitation, ignore this mail.\n`,
    html,
    attachments: input.logo
      ? [
          {
            filename: `logo.${extension}`,
            contentType: input.logo.contentType,
            contentBase64: input.logo.bytes.toString('base64'),
            cid: logoCid,
          },
        ]
      : undefined,
  }
}

export function webhookDisabledMail(input: {
  to: string
  name: string
  organizationName: string
  url: string
  reason: string
  link: string
}): OutgoingMail {
  return {
    to: input.to,
    subject: `A webhook of ${oneLine(input.organizationName)} was disabled`,
    text: `Hello ${oneLine(input.name)},\n\nPortico disabled the webhook endpoint ${input.url} of ${oneLine(input.organizationName)}: ${input.reason}.\n\nNo events are sent to it until it is enabled again. Once the receiver works, enable it and retry the failed deliveries:\n\n${input.link}\n`,
    html: layout(
      'A webhook endpoint was disabled',
      [
        `Hello ${escapeHtml(input.name)},`,
        `Portico disabled the webhook endpoint <code>${escapeHtml(input.url)}</code> of ${escapeHtml(input.organizationName)}: ${escapeHtml(input.reason)}.`,
        'No events are sent to it until it is enabled again. Once the receiver works, enable it and retry the failed deliveries.',
      ],
      { label: 'Open webhooks', url: input.link },
    ),
  }
}
