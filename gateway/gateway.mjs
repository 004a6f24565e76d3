// An Apollo Gateway in front of a running Connector Registry.
//
// The supergraph is composed at start-up by asking the registry for its subgraph SDL
// (`_service { sdl }`), with REGISTRY_API_KEY: the registry answers nothing without a key.
// Every query then runs with the caller's own `Authorization` header, never with the gateway's
// key, so the registry decides what each caller may see exactly as it does for direct requests.
//
//   REGISTRY_URL      the registry's GraphQL endpoint, e.g. http://127.0.0.1:8000/graphql
//   REGISTRY_API_KEY  any key of the registry (a VIEWER key is enough); used for composition only
//   PORT              where the gateway listens (default 4000)
//   HOST              the interface it listens on (default 127.0.0.1)

import { ApolloGateway, IntrospectAndCompose, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { GraphQLError } from 'graphql';

const SUBGRAPH_NAME = 'registry';

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} must be set (see gateway.mjs or the README)`);
    process.exit(2);
  }
  return value;
}

const registryUrl = required('REGISTRY_URL');
const registryApiKey = required('REGISTRY_API_KEY');
const port = Number.parseInt(process.env.PORT ?? '4000', 10);
const host = process.env.HOST ?? '127.0.0.1';

class RegistryDataSource extends RemoteGraphQLDataSource {
  willSendRequest({ request, context }) {
    // Only the caller's header, never the gateway's key: a caller without one must be refused
    // by the registry. (Composition sends its own header: `introspectionHeaders` below.)
    if (context.authorization) {
      request.http.headers.set('authorization', context.authorization);
    }
  }

  // The registry refuses a request (no key, a revoked key, ...) with a non-2xx status and a
  // GraphQL error body. Pass that error on as the registry worded it, rather than the gateway's
  // generic "401: Unauthorized" that also carries the subgraph's internal URL.
  async errorFromResponse(response) {
    const body = await this.parseBody(response);
    const first = body && typeof body === 'object' && Array.isArray(body.errors) ? body.errors[0] : null;
    if (first && typeof first.message === 'string') {
      return new GraphQLError(first.message, { extensions: { ...first.extensions } });
    }
    return new GraphQLError(`${response.status}: ${response.statusText}`);
  }
}

const gateway = new ApolloGateway({
  supergraphSdl: new IntrospectAndCompose({
    subgraphs: [{ name: SUBGRAPH_NAME, url: registryUrl }],
    introspectionHeaders: { authorization: `Bearer ${registryApiKey}` },
  }),
  buildService: ({ url }) => new RegistryDataSource({ url }),
});

// Stack traces describe the gateway's internals, not the caller's request.
const server = new ApolloServer({ gateway, includeStacktraceInErrorResponses: false });

const { url } = await startStandaloneServer(server, {
  listen: { port, host },
  context: async ({ req }) => ({ authorization: req.headers.authorization }),
});
console.log(`gateway ready at ${url} in front of ${registryUrl}`);
