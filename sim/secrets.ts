// Every secret the simulator hands out (access tokens, GitHub ID and runtime tokens, storage keys, SAS
// signatures), so a test can scan what the action printed, wrote and uploaded for any of them. One ledger
// per process: several simulators in one test process only make the list longer, never wrong.
const issued = new Set<string>();

/** Records a secret the simulator issued (values shorter than 8 characters are not worth scanning for). */
export function recordSecret(value: string | undefined): void {
  if (value && value.length >= 8) issued.add(value);
}

/** Every secret recorded so far, oldest first. */
export function issuedSecrets(): string[] {
  return [...issued];
}

/** Records a secret and returns it (for use inside an expression). */
export function issueSecret(value: string): string {
  recordSecret(value);
  return value;
}

/**
 * The URL of a blob (`<blobEndpoint><container>/<name>`) with a read SAS signed by the account key, as
 * packer or a script might print one; its signature is recorded.
 */
export async function signedBlobUrl(
  blob: { blobEndpoint: string; container: string; name: string },
  account: { name: string; key: string },
): Promise<{ url: string; sig: string }> {
  const { BlobSASPermissions, generateBlobSASQueryParameters, StorageSharedKeyCredential } = await import('@azure/storage-blob');
  const q = generateBlobSASQueryParameters(
    {
      containerName: blob.container,
      blobName: blob.name,
      permissions: BlobSASPermissions.parse('r'),
      expiresOn: new Date(Date.now() + 3600_000),
    },
    new StorageSharedKeyCredential(account.name, account.key),
  );
  recordSecret(q.signature);
  return { url: `${blob.blobEndpoint}${blob.container}/${blob.name}?${q.toString()}`, sig: q.signature };
}
