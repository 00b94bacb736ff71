package secrets

// The blank imports register the key-encryption-key drivers that
// PORTAL_KMS_URL can name: Vault transit, AWS KMS, Google Cloud KMS,
// Azure Key Vault, and base64key:// (local, for tests).
import (
	_ "gocloud.dev/secrets/awskms"
	_ "gocloud.dev/secrets/azurekeyvault"
	_ "gocloud.dev/secrets/gcpkms"
	_ "gocloud.dev/secrets/hashivault"
	_ "gocloud.dev/secrets/localsecrets"
)
