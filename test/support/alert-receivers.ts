// Local receivers for the alert sinks' tests: an HTTP server on 127.0.0.1 answering from a script (status,
// body, headers, or never), and an SMTP server (smtp-server, from the nodemailer project) that keeps what it
// accepts. Both bind a free port and are stopped by the test.
import { SMTPServer } from 'smtp-server';

export type Reply = { status: number; body?: string; headers?: Record<string, string> } | 'hang';

export interface ReceivedRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
  json: unknown;
}

export interface WebhookReceiver {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  /** Replies used in order; after the last, `otherwise` (default 200 "ok"). */
  script(replies: Reply[], otherwise?: Reply): void;
  stop(): Promise<void>;
}

export function startWebhookReceiver(): WebhookReceiver {
  const requests: ReceivedRequest[] = [];
  let replies: Reply[] = [];
  let otherwise: Reply = { status: 200, body: 'ok' };
  const hanging: Array<() => void> = [];
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    idleTimeout: 0,
    async fetch(req) {
      const body = await req.text();
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      requests.push({ path: new URL(req.url).pathname, headers: Object.fromEntries(req.headers), body, json });
      const reply = replies.shift() ?? otherwise;
      if (reply === 'hang') {
        await new Promise<void>((resolve) => hanging.push(resolve));
        return new Response('released', { status: 503 });
      }
      return new Response(reply.body ?? '', { status: reply.status, headers: reply.headers });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    port: server.port!,
    requests,
    script(next, fallback) {
      replies = [...next];
      if (fallback !== undefined) otherwise = fallback;
    },
    async stop() {
      for (const release of hanging.splice(0)) release();
      await server.stop(true);
    },
  };
}

export interface ReceivedMail {
  from: string;
  to: string[];
  user: string | undefined;
  raw: string;
}

export interface SmtpReceiver {
  port: number;
  mails: ReceivedMail[];
  stop(): Promise<void>;
}

/** Plain SMTP (no TLS) with AUTH PLAIN/LOGIN checked against one user and password. */
export async function startSmtpReceiver(credentials: { user: string; password: string }): Promise<SmtpReceiver> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === credentials.user && auth.password === credentials.password) {
        callback(null, { user: auth.username });
      } else {
        callback(new Error('Invalid username or password'));
      }
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          user: session.user as string | undefined,
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    mails,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
