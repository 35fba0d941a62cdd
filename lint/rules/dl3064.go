package rules

import (
	"strings"
	"unicode"

	"github.com/hoistci/hoist/internal/dockerfile"
	"github.com/hoistci/hoist/lint"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// knownSecretNames is hadolint's list of variables known to hold
// credentials, without the entries that plainly do not (TRAVIS_OS_NAME,
// TRAVIS_SUDO, TRAVIS_SECURE_ENV_VARS, STRIPE_DEVICE_NAME, FACEBOOK_APP_ID,
// OKTA_AUTHN_GROUPID, OKTA_CLIENT_ORGURL, OKTA_OAUTH2_CLIENTID).
var knownSecretNames = map[string]bool{
	"ACCESS_TOKEN": true, "APPLICATION_KEY": true, "APP_SECRET": true, "AUTH_TOKEN": true,
	"AWS_ACCESS_KEY_ID": true, "AWS_SECRET_ACCESS_KEY": true, "BITTREX_API_KEY": true,
	"BITTREX_API_SECRET": true, "CF_PASSWORD": true, "CF_USERNAME": true, "CIRCLE_TOKEN": true,
	"CI_DEPLOY_PASSWORD": true, "CI_DEPLOY_USER": true, "DOCKERHUB_PASSWORD": true,
	"DOCKER_EMAIL": true, "DOCKER_PASSWORD": true, "DOCKER_USERNAME": true,
	"FACEBOOK_ACCESS_TOKEN": true, "FACEBOOK_APP_SECRET": true, "FIREBASE_API_TOKEN": true,
	"FIREBASE_TOKEN": true, "FOSSA_API_KEY": true, "GH_ENTERPRISE_TOKEN": true, "GH_TOKEN": true,
	"GITHUB_ENTERPRISE_TOKEN": true, "GITHUB_TOKEN": true, "HEROKU_API_KEY": true,
	"HEROKU_API_USER": true, "NPM_AUTH_TOKEN": true, "NPM_TOKEN": true, "OKTA_CLIENT_TOKEN": true,
	"OKTA_OAUTH2_CLIENTSECRET": true, "OPENAI_API_KEY": true, "OS_PASSWORD": true,
	"OS_USERNAME": true, "POSTGRES_PASSWORD": true, "SLACK_TOKEN": true, "STRIPE_API_KEY": true,
	"VAULT_CLIENT_KEY": true, "VAULT_TOKEN": true,
}

// secretFragments may appear anywhere in a word (DBPASSWORD, GITHUBTOKEN).
var secretFragments = []string{"password", "passwd", "secret", "token", "apikey", "privatekey", "credential"}

// secretPairs are two consecutive words that name a key (API_KEY, apiKey).
var secretPairs = map[[2]string]bool{
	{"api", "key"}: true, {"client", "key"}: true, {"private", "key"}: true,
	{"encryption", "key"}: true, {"signing", "key"}: true, {"master", "key"}: true,
	{"license", "key"}: true, {"secret", "key"}: true,
}

// notSecretWords mark a name that describes where or what a secret is,
// not the secret itself (PASSWORD_FILE, TOKEN_URL, SECRETS_DIR).
var notSecretWords = map[string]bool{
	"file": true, "files": true, "path": true, "paths": true, "dir": true, "url": true, "uri": true,
	"endpoint": true, "host": true, "port": true, "version": true, "public": true, "length": true,
	"len": true, "size": true, "ttl": true, "expiry": true, "type": true, "mode": true, "name": true,
	"prefix": true, "enabled": true, "enable": true, "disabled": true, "format": true, "header": true,
	"helper": true,
}

// notSecretNames are well-known variables that match a secret word but hold none.
var notSecretNames = map[string]bool{
	"GOOGLE_APPLICATION_CREDENTIALS": true, // a path to a key file
	"TOKENIZERS_PARALLELISM":         true,
}

var DL3064 = register(&lint.Rule{
	ID:       "DL3064",
	Name:     "no-secrets-in-arg-env",
	Aliases:  []string{"SecretsUsedInArgOrEnv"},
	Severity: lint.Warning,
	Summary:  "Potentially sensitive data should not be used in the `ARG` or `ENV` commands",
	Rationale: "ENV values are stored in the image configuration and build arguments in the history of " +
		"every RUN that sees them: anyone who can pull the image can read them. Pass credentials with a " +
		"secret mount instead (`RUN --mount=type=secret,id=npm_token ...` and `--secret id=npm_token,env=NPM_TOKEN`). " +
		"A name is suspicious when it is in hadolint's list of known credential variables (GITHUB_TOKEN, " +
		"AWS_SECRET_ACCESS_KEY, ...), or when one of its words (split at `_`, `-`, `.` and camelCase) " +
		"contains password, passwd, secret, token, apikey or credential, is a key word pair such as " +
		"API_KEY, CLIENT_KEY or PRIVATE_KEY, or ends in AUTH. hoist avoids the false positives of " +
		"hadolint's plain substring test and of BuildKit's SecretsUsedInArgOrEnv: a name with a word " +
		"such as FILE, PATH, DIR, URL, HOST, NAME or VERSION describes a secret without holding it " +
		"(POSTGRES_PASSWORD_FILE, TOKEN_URL); GOPRIVATE and TOKENIZERS_PARALLELISM are not secrets; a bare " +
		"KEY (GPG_KEY in official images is a public fingerprint) and USERNAME (`ARG USERNAME=vscode`, " +
		"the account a devcontainer creates) are not reported; and the entries of hadolint's list that " +
		"hold no secret (TRAVIS_OS_NAME, FACEBOOK_APP_ID, ...) are left out. ONBUILD ARG and ENV are checked too.",
	Bad:  "FROM node:22.11\nARG NPM_TOKEN\nRUN echo \"//registry.npmjs.org/:_authToken=${NPM_TOKEN}\" > .npmrc && npm ci\n",
	Good: "FROM node:22.11\nRUN --mount=type=secret,id=npm_token,env=NPM_TOKEN npm ci\n",
	Run: func(p *lint.Pass) {
		for _, in := range p.File.Instructions {
			typed, kw := in.Typed, strings.ToUpper(in.Name)
			if in.Name == "onbuild" {
				typed, kw = parseTrigger(in)
			}
			var keys []string
			switch c := typed.(type) {
			case *instructions.ArgCommand:
				for _, kv := range c.Args {
					keys = append(keys, kv.Key)
				}
			case *instructions.EnvCommand:
				for _, kv := range c.Env {
					keys = append(keys, kv.Key)
				}
			default:
				continue
			}
			// The pairs as split with their positions (of the trigger, for ONBUILD).
			kvs := in.KeyValues()
			if len(kvs) != len(keys) {
				kvs = nil
			}
			for i, key := range keys {
				r := in.ArgsRange()
				if kvs != nil && kvs[i].Key == key {
					r = kvs[i].KeyRange
				}
				if !isSecretName(key) {
					continue
				}
				if kw == "ENV" {
					p.Reportf(r, "Potentially sensitive data should not be used in the `ARG` or `ENV` commands (ENV %s): ENV values are stored in the image configuration; set it when the container starts, and for build steps use a secret mount (RUN --mount=type=secret,id=%s,env=%s ...)", key, strings.ToLower(key), key)
					continue
				}
				p.Reportf(r, "Potentially sensitive data should not be used in the `ARG` or `ENV` commands (ARG %s): build arguments are recorded in the image history of the RUN steps that use them; pass it with a secret mount, e.g. RUN --mount=type=secret,id=%s,env=%s ...", key, strings.ToLower(key), key)
			}
		}
	},
})

// parseTrigger parses an ONBUILD trigger: its typed instruction and keyword.
func parseTrigger(in *dockerfile.Instruction) (any, string) {
	args := strings.TrimSpace(in.Args)
	if args == "" {
		return nil, ""
	}
	tf := dockerfile.Parse("onbuild", []byte(args))
	if len(tf.Instructions) != 1 {
		return nil, ""
	}
	t := tf.Instructions[0]
	return t.Typed, strings.ToUpper(t.Name)
}

// isSecretName reports whether an ARG or ENV name suggests a credential.
func isSecretName(name string) bool {
	up := strings.ToUpper(name)
	if knownSecretNames[up] {
		return true
	}
	if notSecretNames[up] {
		return false
	}
	words := nameWords(name)
	for _, w := range words {
		if notSecretWords[w] {
			return false
		}
	}
	for i, w := range words {
		for _, frag := range secretFragments {
			if strings.Contains(w, frag) && !strings.Contains(w, "tokeniz") {
				return true
			}
		}
		if i > 0 && secretPairs[[2]string{words[i-1], w}] {
			return true
		}
	}
	return len(words) > 0 && words[len(words)-1] == "auth"
}

// nameWords splits a variable name into lower-case words at '_', '-',
// '.' and camelCase boundaries: "dbPassword" -> db, password;
// "APIKey" -> api, key.
func nameWords(name string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	rs := []rune(name)
	for i, r := range rs {
		if r == '_' || r == '-' || r == '.' {
			flush()
			continue
		}
		if unicode.IsUpper(r) && len(cur) > 0 {
			prev := cur[len(cur)-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				flush()
			}
		}
		cur = append(cur, r)
	}
	flush()
	return words
}
