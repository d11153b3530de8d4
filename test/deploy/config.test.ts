// The environment as each process reads it: local defaults with nothing set, Temporal's standard
// variables and TOML profiles through @temporalio/envconfig, and a production deployment that
// refuses to start rather than fall back to an emulator or a local address.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/platform/config';
import { tempDir } from '../helpers/servers';

const dir = tempDir('config');
const cert = path.join(dir, 'client.pem');
const key = path.join(dir, 'client.key');
fs.writeFileSync(cert, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
fs.writeFileSync(key, '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n');
// No developer's ~/.config/temporalio/temporal.toml leaks into these cases.
const isolated = { HOME: dir, XDG_CONFIG_HOME: dir };
const production = { ...isolated, PIPELINE_ENV: 'production', EXPORT_BUCKET: 'nba-props-platform-api' };

describe('local defaults', () => {
  it('with nothing set, every address is the local stack', () => {
    const config = loadConfig(isolated);
    assert.equal(config.environment, 'local');
    assert.equal(config.temporal.address, '127.0.0.1:7233');
    assert.equal(config.temporal.namespace, 'default');
    assert.equal(config.temporal.connection.tls, undefined);
    assert.equal(config.pubsubEmulatorHost, '127.0.0.1:8085');
    assert.equal(config.bigqueryEmulatorHost, 'http://127.0.0.1:9050');
    assert.equal(config.worker.metricsPort, 9464);
    assert.equal(config.temporal.versioning, undefined);
    assert.equal(config.tracing, undefined);
  });

  it('an emulator variable set to the empty string means real Google Cloud', () => {
    const config = loadConfig({ ...isolated, PUBSUB_EMULATOR_HOST: '', BIGQUERY_EMULATOR_HOST: '' });
    assert.equal(config.pubsubEmulatorHost, undefined);
    assert.equal(config.bigqueryEmulatorHost, undefined);
    assert.equal(config.bridge.redelivery, 'retry-policy');
  });
});

describe("Temporal's standard variables", () => {
  it('an API key turns TLS on (Temporal Cloud)', () => {
    const config = loadConfig({
      ...isolated,
      TEMPORAL_ADDRESS: 'nba.a1b2c.tmprl.cloud:7233',
      TEMPORAL_NAMESPACE: 'nba.a1b2c',
      TEMPORAL_API_KEY: 'secret',
    });
    assert.equal(config.temporal.address, 'nba.a1b2c.tmprl.cloud:7233');
    assert.equal(config.temporal.namespace, 'nba.a1b2c');
    assert.equal(config.temporal.connection.apiKey, 'secret');
    assert.equal(config.temporal.connection.tls, true);
  });

  it('guesses the HTTP API only for a plain dev server on this machine: a key never goes out over plain HTTP', () => {
    assert.equal(loadConfig(isolated).temporal.httpUrl, 'http://127.0.0.1:7243');
    const cloud = { ...isolated, TEMPORAL_ADDRESS: 'nba.a1b2c.tmprl.cloud:7233', TEMPORAL_API_KEY: 'secret' };
    assert.equal(loadConfig(cloud).temporal.httpUrl, undefined);
    assert.equal(loadConfig({ ...isolated, TEMPORAL_ADDRESS: 'temporal.internal:7233' }).temporal.httpUrl, undefined);
    const named = loadConfig({ ...cloud, TEMPORAL_HTTP_URL: 'https://nba.a1b2c.tmprl.cloud/' });
    assert.equal(named.temporal.httpUrl, 'https://nba.a1b2c.tmprl.cloud');
  });

  it('a client certificate pair, a server CA and SNI become the mTLS options', () => {
    const { tls } = loadConfig({
      ...isolated,
      TEMPORAL_TLS_CLIENT_CERT_PATH: cert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: key,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: cert,
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    }).temporal.connection as { tls: { clientCertPair: { crt: Uint8Array }; serverNameOverride: string } };
    assert.match(Buffer.from(tls.clientCertPair.crt).toString(), /BEGIN CERTIFICATE/);
    assert.equal(tls.serverNameOverride, 'temporal.internal');
  });

  it('half a TLS pair is an error that names the missing half', () => {
    assert.throws(
      () => loadConfig({ ...isolated, TEMPORAL_TLS_CLIENT_CERT_PATH: cert }),
      (error: Error) => error instanceof ConfigError && /TEMPORAL_TLS_CLIENT_KEY_PATH/.test(error.message),
    );
    assert.throws(
      () => loadConfig({ ...isolated, TEMPORAL_TLS_CLIENT_KEY_PATH: key }),
      /TEMPORAL_TLS_CLIENT_CERT_PATH/,
    );
  });

  it('the old home-made names are refused with the standard one', () => {
    assert.throws(() => loadConfig({ ...isolated, TEMPORAL_TLS_CERT: cert }), /use TEMPORAL_TLS_CLIENT_CERT_PATH/);
  });

  it('a TOML profile is read, and the environment overrides it', () => {
    const file = path.join(dir, 'temporal.toml');
    fs.writeFileSync(
      file,
      [
        '[profile.prod]',
        'address = "temporal.prod.internal:7233"',
        'namespace = "game-day"',
        '[profile.prod.tls]',
        `client_cert_path = "${cert}"`,
        `client_key_path = "${key}"`,
      ].join('\n'),
    );
    const config = loadConfig({ ...production, TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod' });
    assert.equal(config.temporal.address, 'temporal.prod.internal:7233');
    assert.equal(config.temporal.namespace, 'game-day');
    assert.ok(config.temporal.connection.tls);
    const overridden = loadConfig({
      ...production,
      TEMPORAL_CONFIG_FILE: file,
      TEMPORAL_PROFILE: 'prod',
      TEMPORAL_NAMESPACE: 'other',
    });
    assert.equal(overridden.temporal.namespace, 'other');
    assert.throws(
      () => loadConfig({ ...isolated, TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'staging' }),
      /Profile 'staging' not found/,
    );
    assert.throws(
      () => loadConfig({ ...isolated, TEMPORAL_CONFIG_FILE: path.join(dir, 'missing.toml') }),
      /does not exist/,
    );
  });
});

describe('production never falls back to local addresses', () => {
  it('without a Temporal address, an export bucket, it refuses to start and lists what is missing', () => {
    assert.throws(
      () => loadConfig({ ...isolated, PIPELINE_ENV: 'production' }),
      (error: Error) => /TEMPORAL_ADDRESS/.test(error.message) && /EXPORT_BUCKET/.test(error.message),
    );
  });

  it('an emulator variable in production is an error', () => {
    assert.throws(
      () => loadConfig({ ...production, TEMPORAL_ADDRESS: 'temporal:7233', PUBSUB_EMULATOR_HOST: 'pubsub:8085' }),
      /PUBSUB_EMULATOR_HOST .* emulators are local only/,
    );
  });

  it('NODE_ENV=production (the image) means production unless PIPELINE_ENV says local', () => {
    const env = { ...isolated, NODE_ENV: 'production', EXPORT_BUCKET: 'b', TEMPORAL_ADDRESS: 'temporal:7233' };
    const config = loadConfig(env);
    assert.equal(config.environment, 'production');
    assert.equal(config.pubsubEmulatorHost, undefined);
    assert.equal(config.bigqueryEmulatorHost, undefined);
    assert.equal(loadConfig({ ...env, PIPELINE_ENV: 'local' }).pubsubEmulatorHost, '127.0.0.1:8085');
  });

  it('a build id turns Worker Versioning on, under the deployment name', () => {
    const config = loadConfig({ ...isolated, TEMPORAL_WORKER_BUILD_ID: '0.3.0' });
    assert.deepEqual(config.temporal.versioning, { deploymentName: 'game-day-pipeline', buildId: '0.3.0' });
  });

  it('an OTLP endpoint turns tracing on; OTEL_SDK_DISABLED turns it off', () => {
    const env = { ...isolated, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' };
    assert.deepEqual(loadConfig(env).tracing, {
      endpoint: 'http://127.0.0.1:4318',
      serviceName: undefined,
      protocol: 'http/protobuf',
      version: loadConfig(env).tracing?.version, // the release from package.json
    });
    const built = loadConfig({ ...env, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', TEMPORAL_WORKER_BUILD_ID: '0.4.0' });
    assert.equal(built.tracing?.protocol, 'http/json');
    assert.equal(built.tracing?.version, '0.4.0', 'the build id is service.version');
    assert.throws(() => loadConfig({ ...env, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }), /OTEL_EXPORTER_OTLP_PROTOCOL/);
    assert.equal(loadConfig({ ...env, OTEL_SDK_DISABLED: 'true' }).tracing, undefined);
  });
});
