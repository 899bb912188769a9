// A ProConnect-like OpenID provider for the test suite, built on the certified `oidc-provider`.
//
// Like ProConnect: issuer and discovery under /api/v2, authorization code flow with PKCE (S256)
// required, RS256 ID tokens, a userinfo answer that is a signed JWT (application/jwt), the
// claims sub, email, given_name, usual_name, uid, siret, idp_id, and RP-initiated logout with
// id_token_hint.
//
// The tests drive it through a small control API (JSON, under /control/):
//   POST /control/clients   {client_id, client_secret, redirect_uris, post_logout_redirect_uris}
//   POST /control/accounts  {sub, email, given_name, usual_name, siret, ..., _faults: [...]}
// An account's `_faults` make the provider misbehave for that account only, as a compromised
// or broken provider would: "expired_code" (the code it issues is already expired when
// exchanged), "rogue_userinfo" (the userinfo JWT is signed with a key the provider never
// published).
//
// Usage: node provider.js <port>   (prints "ready <issuer>" once listening)

import http from 'node:http';
import { randomUUID } from 'node:crypto';
import * as jose from 'jose';
import Provider from 'oidc-provider';

const port = Number(process.argv[2] || 0);
const host = '127.0.0.1';
const accounts = new Map();
const clients = new Map();
const storage = new Map();

// --- Storage: oidc-provider's adapter contract, in memory, with the clients the tests add ---
const epoch = () => Math.floor(Date.now() / 1000);

class MemoryAdapter {
  constructor(model) {
    this.model = model;
  }

  key(id) {
    return `${this.model}:${id}`;
  }

  async upsert(id, payload, expiresIn) {
    if (this.model === 'AuthorizationCode' && accounts.get(payload.accountId)?._faults?.includes('expired_code')) {
      payload = { ...payload, exp: epoch() - 1 };
    }
    storage.set(this.key(id), { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : null });
    if (payload.grantId) {
      const grantKey = `grant:${payload.grantId}`;
      storage.set(grantKey, [...(storage.get(grantKey) || []), this.key(id)]);
    }
    if (payload.uid) storage.set(`uid:${this.model}:${payload.uid}`, id);
  }

  async find(id) {
    if (this.model === 'Client') return clients.get(id);
    const entry = storage.get(this.key(id));
    if (!entry || (entry.expiresAt && entry.expiresAt < Date.now())) return undefined;
    return entry.payload;
  }

  async findByUid(uid) {
    const id = storage.get(`uid:${this.model}:${uid}`);
    return id ? this.find(id) : undefined;
  }

  async findByUserCode() {
    return undefined;
  }

  async consume(id) {
    const entry = storage.get(this.key(id));
    if (entry) entry.payload.consumed = epoch();
  }

  async destroy(id) {
    storage.delete(this.key(id));
  }

  async revokeByGrantId(grantId) {
    for (const key of storage.get(`grant:${grantId}`) || []) storage.delete(key);
    storage.delete(`grant:${grantId}`);
  }
}

// --- Keys: the published one, and a rogue one the provider never publishes ---
const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
const signingKey = { ...(await jose.exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
const { privateKey: rogueKey } = await jose.generateKeyPair('RS256');

const server = http.createServer();
await new Promise((resolve) => server.listen(port, host, resolve));
const origin = `http://${host}:${server.address().port}`;
const issuer = `${origin}/api/v2`;

const provider = new Provider(issuer, {
  adapter: MemoryAdapter,
  jwks: { keys: [signingKey] },
  cookies: { keys: ['tests-only-cookie-key'] },
  scopes: ['openid', 'email', 'given_name', 'usual_name', 'uid', 'siret', 'idp_id', 'phone', 'organizational_unit'],
  claims: {
    openid: ['sub'],
    email: ['email'],
    given_name: ['given_name'],
    usual_name: ['usual_name'],
    uid: ['uid'],
    siret: ['siret'],
    idp_id: ['idp_id'],
  },
  features: {
    devInteractions: { enabled: false },
    jwtUserinfo: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.body = page('Déconnexion ProConnect', `${form}<p>Se déconnecter de ProConnect ?</p>
          <button type="submit" form="op.logoutForm" name="logout" value="yes">Se déconnecter</button>`);
      },
    },
  },
  pkce: { required: () => true },
  ttl: { AuthorizationCode: 60, AccessToken: 600, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  findAccount: async (ctx, sub) => {
    const account = accounts.get(sub);
    if (!account) return undefined;
    return {
      accountId: sub,
      claims: async () => Object.fromEntries(Object.entries(account).filter(([key]) => !key.startsWith('_'))),
    };
  },
  renderError: async (ctx, out) => {
    ctx.type = 'html';
    ctx.body = page('Erreur', `<p>${escape(out.error)}: ${escape(out.error_description || '')}</p>`);
  },
});

const callback = provider.callback();

function page(title, body) {
  return `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>${title}</title></head>
    <body><main><h1>${title}</h1>${body}</main></body></html>`;
}

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString();
}

function send(res, status, body, type = 'application/json') {
  res.writeHead(status, { 'content-type': type });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

async function loginForm(res, uid, error = '') {
  send(
    res,
    200,
    page(
      'Connexion ProConnect (fournisseur de test)',
      `${error ? `<p role="alert">${escape(error)}</p>` : ''}
      <form method="post" action="/interaction/${uid}/login">
        <label for="email">Adresse e-mail professionnelle</label>
        <input id="email" name="email" type="email" autocomplete="username">
        <button type="submit">Continuer</button>
      </form>`,
    ),
    'text/html; charset=utf-8',
  );
}

async function grantFor(accountId, details) {
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  return grant.save();
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return send(res, 400, { error: 'interaction mismatch' });
  if (details.prompt.name === 'consent') {
    // Agents do not consent at ProConnect: the service provider's scopes are granted.
    const grantId = await grantFor(details.session.accountId, details);
    return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }
  if (action !== 'login') return loginForm(res, uid);
  const email = new URLSearchParams(await readBody(req)).get('email')?.trim().toLowerCase();
  const account = [...accounts.values()].find((candidate) => candidate.email?.toLowerCase() === email);
  if (!account) return loginForm(res, uid, 'Adresse inconnue de ce fournisseur de test.');
  const grantId = await grantFor(account.sub, details);
  return provider.interactionFinished(
    req,
    res,
    { login: { accountId: account.sub }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  );
}

async function userinfo(req, res) {
  // The real answer, then signed again with the rogue key when the account asks for it.
  const answer = await fetch(`${issuer}/me`, { headers: { authorization: req.headers.authorization || '', 'x-internal': '1' } });
  const text = await answer.text();
  if (answer.ok) {
    const claims = jose.decodeJwt(text);
    if (accounts.get(claims.sub)?._faults?.includes('rogue_userinfo')) {
      const forged = await new jose.SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'test-key' }).sign(rogueKey);
      return send(res, 200, forged, 'application/jwt');
    }
  }
  return send(res, answer.status, text, answer.headers.get('content-type') || 'application/json');
}

server.on('request', async (req, res) => {
  try {
    const url = new URL(req.url, origin);
    const interactionMatch = url.pathname.match(/^\/interaction\/([^/]+)(?:\/(login))?$/);
    if (req.method === 'POST' && url.pathname === '/control/clients') {
      const client = JSON.parse(await readBody(req));
      clients.set(client.client_id, {
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
        id_token_signed_response_alg: 'RS256',
        userinfo_signed_response_alg: 'RS256',
        ...client,
      });
      return send(res, 201, { ok: true });
    }
    if (req.method === 'POST' && url.pathname === '/control/accounts') {
      const account = JSON.parse(await readBody(req));
      account.sub ||= randomUUID();
      // One account per address, as at ProConnect: the newest replaces an earlier one.
      for (const [sub, known] of accounts) if (known.email?.toLowerCase() === account.email?.toLowerCase()) accounts.delete(sub);
      accounts.set(account.sub, account);
      return send(res, 201, { ok: true });
    }
    if (interactionMatch) return await interaction(req, res, interactionMatch[1], interactionMatch[2]);
    if (url.pathname === '/api/v2/me' && !req.headers['x-internal']) return await userinfo(req, res);
    if (url.pathname.startsWith('/api/v2/') || url.pathname === '/api/v2') {
      // Mounted under /api/v2, as ProConnect is: the provider sees the path below it.
      req.originalUrl = req.url;
      req.url = req.url.slice('/api/v2'.length) || '/';
      return callback(req, res);
    }
    return send(res, 404, { error: 'not found' });
  } catch (error) {
    console.error(error);
    if (!res.headersSent) send(res, 500, { error: String(error) });
  }
});

console.log(`ready ${issuer}`);
