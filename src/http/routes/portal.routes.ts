// Developer-portal routes (API.md "Developer-portal resources"): APIs, environments, applications
// and their subscriptions. Parse, call the service, shape.
import type { ServiceDependencies } from '../../services/dependencies.ts'
import { DEFAULT_PAGE_SIZE } from '../../services/pagination.ts'
import {
  changeApiStatus,
  createApi,
  deleteApi,
  getApi,
  listApis,
  updateApiDetails,
} from '../../services/portal/apis.service.ts'
import {
  createApplication,
  deleteApplication,
  getApplication,
  listApplications,
  listSubscriptions,
  subscribe,
  unsubscribe,
  updateApplicationDetails,
} from '../../services/portal/applications.service.ts'
import {
  createEnvironment,
  deleteEnvironment,
  listEnvironments,
  renameEnvironment,
} from '../../services/portal/environments.service.ts'
import type { App } from '../app-instance.ts'
import { actorOf } from '../auth.ts'
import { NoContent, problems } from './common.schemas.ts'
import { listOf, OrganizationParams, PageQuery } from './organizations.schemas.ts'
import {
  ApiSchema,
  ApplicationSchema,
  apiBody,
  applicationBody,
  CreateApiBody,
  CreateApplicationBody,
  EnvironmentBody,
  EnvironmentSchema,
  environmentBody,
  IdParams,
  SubscribeBody,
  SubscriptionParams,
  SubscriptionSchema,
  subscriptionBody,
  UpdateApiBody,
  UpdateApplicationBody,
} from './portal.schemas.ts'

export function registerPortalRoutes(app: App, deps: ServiceDependencies) {
  const base = '/v1/organizations/:org'
  const page = (query: { limit?: number; cursor?: string }) => ({
    limit: query.limit ?? DEFAULT_PAGE_SIZE,
    cursor: query.cursor,
  })

  // APIs
  const apis = { tags: ['apis'] }
  app.get(
    `${base}/apis`,
    {
      schema: {
        operationId: 'listApis',
        ...apis,
        summary: 'APIs (portal-only members see published ones)',
        params: OrganizationParams,
        querystring: PageQuery,
        response: { 200: listOf(ApiSchema), ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const result = await listApis(deps, actorOf(request), page(request.query))
      return { items: result.items.map(apiBody), nextCursor: result.nextCursor }
    },
  )
  app.post(
    `${base}/apis`,
    {
      schema: {
        operationId: 'createApi',
        ...apis,
        summary: 'Create an API (as a draft)',
        params: OrganizationParams,
        body: CreateApiBody,
        response: { 201: ApiSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(apiBody(await createApi(deps, actorOf(request), request.body))),
  )
  app.get(
    `${base}/apis/:id`,
    {
      schema: {
        operationId: 'getApi',
        ...apis,
        summary: 'An API',
        params: IdParams,
        response: { 200: ApiSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => apiBody(await getApi(deps, actorOf(request), request.params.id)),
  )
  app.patch(
    `${base}/apis/:id`,
    {
      schema: {
        operationId: 'updateApi',
        ...apis,
        summary: 'Change an API',
        params: IdParams,
        body: UpdateApiBody,
        response: { 200: ApiSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      apiBody(await updateApiDetails(deps, actorOf(request), request.params.id, request.body)),
  )
  app.delete(
    `${base}/apis/:id`,
    {
      schema: {
        operationId: 'deleteApi',
        ...apis,
        summary: 'Delete an API (deprecate it first if it has subscriptions)',
        params: IdParams,
        response: { 204: NoContent, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await deleteApi(deps, actorOf(request), request.params.id)
      return reply.code(204).send()
    },
  )
  app.post(
    `${base}/apis/:id/publish`,
    {
      schema: {
        operationId: 'publishApi',
        ...apis,
        summary: 'Publish a draft or deprecated API',
        params: IdParams,
        response: { 200: ApiSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) => apiBody(await changeApiStatus(deps, actorOf(request), request.params.id, 'published')),
  )
  app.post(
    `${base}/apis/:id/deprecate`,
    {
      schema: {
        operationId: 'deprecateApi',
        ...apis,
        summary: 'Deprecate a published API (subscriptions keep working; no new ones)',
        params: IdParams,
        response: { 200: ApiSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      apiBody(await changeApiStatus(deps, actorOf(request), request.params.id, 'deprecated')),
  )

  // Environments
  const environments = { tags: ['environments'] }
  app.get(
    `${base}/environments`,
    {
      schema: {
        operationId: 'listEnvironments',
        ...environments,
        summary: 'Environments',
        params: OrganizationParams,
        response: { 200: listOf(EnvironmentSchema), ...problems(401, 403, 404) },
      },
    },
    async (request) => ({
      items: (await listEnvironments(deps, actorOf(request))).map(environmentBody),
      nextCursor: null,
    }),
  )
  app.post(
    `${base}/environments`,
    {
      schema: {
        operationId: 'createEnvironment',
        ...environments,
        summary: 'Add an environment',
        params: OrganizationParams,
        body: EnvironmentBody,
        response: { 201: EnvironmentSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(environmentBody(await createEnvironment(deps, actorOf(request), request.body.name))),
  )
  app.patch(
    `${base}/environments/:id`,
    {
      schema: {
        operationId: 'updateEnvironment',
        ...environments,
        summary: 'Rename an environment',
        params: IdParams,
        body: EnvironmentBody,
        response: { 200: EnvironmentSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      environmentBody(await renameEnvironment(deps, actorOf(request), request.params.id, request.body.name)),
  )
  app.delete(
    `${base}/environments/:id`,
    {
      schema: {
        operationId: 'deleteEnvironment',
        ...environments,
        summary: 'Delete an environment (not while it has keys)',
        params: IdParams,
        response: { 204: NoContent, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await deleteEnvironment(deps, actorOf(request), request.params.id)
      return reply.code(204).send()
    },
  )

  // Applications and subscriptions
  const applications = { tags: ['applications'] }
  app.get(
    `${base}/applications`,
    {
      schema: {
        operationId: 'listApplications',
        ...applications,
        summary: 'Applications',
        params: OrganizationParams,
        querystring: PageQuery,
        response: { 200: listOf(ApplicationSchema), ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const result = await listApplications(deps, actorOf(request), page(request.query))
      return { items: result.items.map(applicationBody), nextCursor: result.nextCursor }
    },
  )
  app.post(
    `${base}/applications`,
    {
      schema: {
        operationId: 'createApplication',
        ...applications,
        summary: 'Create an application',
        params: OrganizationParams,
        body: CreateApplicationBody,
        response: { 201: ApplicationSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(applicationBody(await createApplication(deps, actorOf(request), request.body))),
  )
  app.get(
    `${base}/applications/:id`,
    {
      schema: {
        operationId: 'getApplication',
        ...applications,
        summary: 'An application',
        params: IdParams,
        response: { 200: ApplicationSchema, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => applicationBody(await getApplication(deps, actorOf(request), request.params.id)),
  )
  app.patch(
    `${base}/applications/:id`,
    {
      schema: {
        operationId: 'updateApplication',
        ...applications,
        summary: 'Change an application',
        params: IdParams,
        body: UpdateApplicationBody,
        response: { 200: ApplicationSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      applicationBody(
        await updateApplicationDetails(deps, actorOf(request), request.params.id, request.body),
      ),
  )
  app.delete(
    `${base}/applications/:id`,
    {
      schema: {
        operationId: 'deleteApplication',
        ...applications,
        summary: 'Delete an application with its subscriptions and keys',
        params: IdParams,
        response: { 204: NoContent, ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await deleteApplication(deps, actorOf(request), request.params.id)
      return reply.code(204).send()
    },
  )
  app.get(
    `${base}/applications/:id/subscriptions`,
    {
      schema: {
        operationId: 'listSubscriptions',
        ...applications,
        summary: "An application's subscriptions",
        params: IdParams,
        querystring: PageQuery,
        response: { 200: listOf(SubscriptionSchema), ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const result = await listSubscriptions(deps, actorOf(request), request.params.id, page(request.query))
      return { items: result.items.map(subscriptionBody), nextCursor: result.nextCursor }
    },
  )
  app.post(
    `${base}/applications/:id/subscriptions`,
    {
      schema: {
        operationId: 'createSubscription',
        ...applications,
        summary: 'Subscribe an application to a published API',
        params: IdParams,
        body: SubscribeBody,
        response: { 201: SubscriptionSchema, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          subscriptionBody(
            await subscribe(deps, actorOf(request), request.params.id, request.body.apiId, request.body.plan),
          ),
        ),
  )
  app.delete(
    `${base}/applications/:id/subscriptions/:subscriptionId`,
    {
      schema: {
        operationId: 'deleteSubscription',
        ...applications,
        summary: 'Cancel a subscription',
        params: SubscriptionParams,
        response: { 204: NoContent, ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await unsubscribe(deps, actorOf(request), request.params.id, request.params.subscriptionId)
      return reply.code(204).send()
    },
  )
}
