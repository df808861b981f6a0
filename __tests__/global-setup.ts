// The Azure SDK's proxy support has no loopback exemption: a proxy set on the machine would swallow
// the simulator's traffic. Jest workers inherit this environment.
export default async function globalSetup(): Promise<void> {
  for (const name of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy']) {
    delete process.env[name];
  }
  process.env.NO_PROXY = '127.0.0.1,localhost';
}
