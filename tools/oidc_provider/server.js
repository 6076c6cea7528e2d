// A real OpenID Connect provider (panva/oidc-provider) for the portal's single sign-on tests.
//
// Configured from the environment, so a test can start one per case:
//   OIDC_PORT            port to listen on (127.0.0.1); the issuer is http://127.0.0.1:OIDC_PORT
//   OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URI   the one client: the portal
//   OIDC_ACCOUNTS        JSON {login: {email, email_verified, name}}; the login form takes the login and any password
//   OIDC_ID_TOKEN_TTL, OIDC_SESSION_TTL   seconds (defaults 600 and 3600)
//   OIDC_UNTRUSTED_SIGNING=1   sign ID tokens with a key other than the one /jwks publishes (same kid),
//                              i.e. a token the portal must not trust
// The login form is the package's own devInteractions (for tests only). Consent is granted for the client,
// as for a first-party application. Prints "listening <issuer>" when ready.
import { generateKeyPairSync, randomBytes } from 'node:crypto';

import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT);
if (!port) {
  console.error('OIDC_PORT is required');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS || '{}');
const redirectUri = process.env.OIDC_REDIRECT_URI;
const seconds = (name, fallback) => Number(process.env[name] || fallback);

function rsaKey(kid) {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' };
}

const signingKey = rsaKey('test-key');
const publishedKey = process.env.OIDC_UNTRUSTED_SIGNING === '1' ? rsaKey('test-key') : signingKey;

const provider = new Provider(issuer, {
  clients: [{
    client_id: process.env.OIDC_CLIENT_ID,
    client_secret: process.env.OIDC_CLIENT_SECRET,
    redirect_uris: [redirectUri],
    post_logout_redirect_uris: [redirectUri],
    response_types: ['code'],
    grant_types: ['authorization_code'],
  }],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  // The claims go into the ID token itself: Streamlit reads the identity from the ID token only.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  ttl: { IdToken: seconds('OIDC_ID_TOKEN_TTL', 600), Session: seconds('OIDC_SESSION_TTL', 3600) },
  async findAccount(ctx, login) {
    const account = accounts[login];
    if (!account) return undefined;
    return {
      accountId: login,
      async claims() {
        return { sub: login, ...account };
      },
    };
  },
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
});

provider.use(async (ctx, next) => {
  await next();
  if (ctx.oidc?.route === 'jwks' && publishedKey !== signingKey) {
    const { kty, n, e, kid, use, alg } = publishedKey;
    ctx.body = { keys: [{ kty, n, e, kid, use, alg }] };
  }
});

provider.listen(port, '127.0.0.1', () => console.log(`listening ${issuer}`));
