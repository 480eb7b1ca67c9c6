// Onboarding a customer end to end with @portico/sdk: their organization, an invitation for their
// administrator, the API they will call, their application subscribed to it, a production key, and
// a first request checked as a gateway would check it.
//
//   PORTICO_URL=http://localhost:3000 PORTICO_TOKEN=<session token> PORTICO_GATEWAY_TOKEN=<GATEWAY_TOKEN> \
//   node examples/onboard-customer.ts "Acme Payments" admin@acme.example
//
// Run in CI by test/examples/onboard-customer.test.ts.
import { createPortico, type Portico } from '@portico/sdk'

export interface Onboarding {
  organizationId: string
  handle: string
  invitationId: string
  applicationId: string
  keyId: string
  /** The key's secret: shown once, handed to the customer, never readable again. */
  secret: string
}

export async function onboardCustomer(
  portico: Portico,
  customer: string,
  adminEmail: string,
): Promise<Onboarding> {
  const organization = await portico.organizations.create({ name: customer })
  const invitation = await portico.invitations.create(organization.id, {
    email: adminEmail,
    roles: ['admin'],
  })

  const api = await portico.apis.create(organization.id, {
    name: 'Payments',
    version: 'v1',
    basePath: '/payments',
    description: 'Charges and refunds',
  })
  await portico.apis.publish(organization.id, api.id)

  const application = await portico.applications.create(organization.id, {
    name: `${customer} backend`,
    description: 'Server-to-server calls',
  })
  await portico.applications.subscribe(organization.id, application.id, { apiId: api.id })
  const key = await portico.keys.create(organization.id, application.id, {
    environment: 'production',
    name: 'backend',
  })
  return {
    organizationId: organization.id,
    handle: organization.handle,
    invitationId: invitation.id,
    applicationId: application.id,
    keyId: key.id,
    secret: key.secret,
  }
}

if (import.meta.main) {
  const [customer = 'Acme Payments', adminEmail = 'admin@acme.example'] = process.argv.slice(2)
  const baseUrl = process.env.PORTICO_URL ?? 'http://localhost:3000'
  const portico = createPortico({ baseUrl, token: process.env.PORTICO_TOKEN })
  const onboarded = await onboardCustomer(portico, customer, adminEmail)
  console.log(`organization ${onboarded.handle} (${onboarded.organizationId})`)
  console.log(`invited ${adminEmail} as admin (${onboarded.invitationId})`)
  console.log(`application ${onboarded.applicationId} subscribed to Payments v1, key ${onboarded.keyId}`)

  // What the customer's first call looks like to the gateway in front of the API.
  const gateway = createPortico({ baseUrl, gatewayToken: process.env.PORTICO_GATEWAY_TOKEN })
  const decision = await gateway.authorize({
    method: 'POST',
    url: '/payments/v1/charges',
    headers: { authorization: `Bearer ${onboarded.secret}` },
  })
  console.log(
    decision.allowed
      ? `gateway: allowed for application ${decision.applicationId} in ${decision.environment}`
      : `gateway: refused (${decision.code})`,
  )
  if (!decision.allowed) process.exitCode = 1
}
