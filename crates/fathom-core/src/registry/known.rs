//! The public registries people name, by their hosts: what each is called, how one logs in to
//! it, what its rate limit asks of a client and where its status page is — so that a failure
//! says which registry refused and what to do, in every face.
//!
//! Each entry cites the vendor's own documentation for what it tells a user to do. A registry
//! not listed here (a self-hosted one) is named by its host and gets `docker login <host>`.

use super::session::{ErrorKind, Failure};

/// One well-known registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownRegistry {
    /// What its users call it.
    pub name: &'static str,
    /// How one logs in to it, as "run `…`" (`{host}` stands for the registry's host), or `None`
    /// for a registry that serves public images only.
    pub log_in: Option<&'static str>,
    /// What to do about its rate limit.
    pub rate_limit: &'static str,
    /// Its status page, for outages.
    pub status_page: Option<&'static str>,
}

/// How a host is recognised: exactly, or by the end of its name.
enum Hosts {
    Exactly(&'static [&'static str]),
    EndingWith(&'static str),
}

const REGISTRIES: &[(Hosts, KnownRegistry)] = &[
    (
        Hosts::Exactly(&["docker.io", "registry-1.docker.io", "index.docker.io"]),
        KnownRegistry {
            name: "Docker Hub",
            // https://docs.docker.com/reference/cli/docker/login/ (a personal access token is
            // the password: https://docs.docker.com/security/for-developers/access-tokens/)
            log_in: Some("run `docker login` with your Docker ID and a personal access token"),
            // https://docs.docker.com/docker-hub/usage/pulls/: anonymous pulls are limited per
            // IPv4 address or IPv6 /64, authenticated ones per account, at a higher rate.
            rate_limit: "anonymous pulls are limited per IP address; `docker login` for a higher limit, or wait for the window to pass",
            status_page: Some("https://www.dockerstatus.com"),
        },
    ),
    (
        Hosts::Exactly(&["ghcr.io"]),
        KnownRegistry {
            name: "GitHub Container Registry",
            // https://docs.github.com/en/packages/working-with-a-github-packages-registry/working-with-the-container-registry#authenticating-with-a-personal-access-token-classic
            log_in: Some("run `docker login ghcr.io` with a personal access token (classic) that has `read:packages`"),
            rate_limit: "wait and retry; authenticated requests are limited per account",
            status_page: Some("https://www.githubstatus.com"),
        },
    ),
    (
        Hosts::Exactly(&["quay.io"]),
        KnownRegistry {
            name: "Quay.io",
            // https://docs.quay.io/glossary/robot-accounts.html
            log_in: Some("run `docker login quay.io` with your account or a robot account's token"),
            // quay/quay conf/nginx/rate-limiting.conf.jnj: nginx `limit_req` per IP address.
            rate_limit: "Quay limits requests per second per IP address; slow down and retry",
            status_page: Some("https://status.redhat.com"),
        },
    ),
    (
        Hosts::Exactly(&["public.ecr.aws"]),
        KnownRegistry {
            name: "Amazon ECR Public",
            // https://docs.aws.amazon.com/AmazonECR/latest/public/public-registries.html#public-registry-auth
            log_in: Some(
                "run `aws ecr-public get-login-password --region us-east-1 | docker login --username AWS --password-stdin public.ecr.aws`",
            ),
            // https://docs.aws.amazon.com/AmazonECR/latest/public/public-service-quotas.html:
            // unauthenticated pulls have a lower rate (and a monthly data cap) than authenticated.
            rate_limit: "unauthenticated pulls have a lower rate; log in with the AWS CLI for a higher one",
            status_page: Some("https://health.aws.amazon.com/health/status"),
        },
    ),
    (
        Hosts::EndingWith(".amazonaws.com"),
        KnownRegistry {
            name: "Amazon ECR",
            // https://docs.aws.amazon.com/AmazonECR/latest/userguide/registry_auth.html
            log_in: Some(
                "run `aws ecr get-login-password --region <region> | docker login --username AWS --password-stdin {host}`",
            ),
            // https://docs.aws.amazon.com/AmazonECR/latest/userguide/service-quotas.html
            rate_limit: "the account's request quota is exceeded; retry with backoff, or raise the quota",
            status_page: Some("https://health.aws.amazon.com/health/status"),
        },
    ),
    (
        Hosts::Exactly(&["mcr.microsoft.com"]),
        KnownRegistry {
            name: "Microsoft Artifact Registry",
            // https://mcr.microsoft.com: every repository is public, pulled anonymously.
            log_in: None,
            rate_limit: "wait and retry",
            status_page: Some("https://azure.status.microsoft"),
        },
    ),
    (
        Hosts::EndingWith(".azurecr.io"),
        KnownRegistry {
            name: "Azure Container Registry",
            // https://learn.microsoft.com/azure/container-registry/container-registry-authentication
            log_in: Some("run `az acr login --name <registry>`, or `docker login {host}` with a token"),
            // https://learn.microsoft.com/azure/container-registry/container-registry-skus
            rate_limit: "the registry's tier limits reads per minute; retry with backoff",
            status_page: Some("https://azure.status.microsoft"),
        },
    ),
    (
        Hosts::Exactly(&["gcr.io", "us.gcr.io", "eu.gcr.io", "asia.gcr.io"]),
        KnownRegistry {
            name: "Google Container Registry",
            // https://cloud.google.com/artifact-registry/docs/docker/authentication (gcr.io
            // repositories are served by Artifact Registry)
            log_in: Some("run `gcloud auth configure-docker {host}`"),
            // https://cloud.google.com/artifact-registry/quotas
            rate_limit: "the project's request quota is exceeded; retry with backoff",
            status_page: Some("https://status.cloud.google.com"),
        },
    ),
    (
        Hosts::EndingWith("-docker.pkg.dev"),
        KnownRegistry {
            name: "Google Artifact Registry",
            // https://cloud.google.com/artifact-registry/docs/docker/authentication#gcloud-helper
            log_in: Some("run `gcloud auth configure-docker {host}`"),
            // https://cloud.google.com/artifact-registry/quotas
            rate_limit: "the project's request quota is exceeded; retry with backoff",
            status_page: Some("https://status.cloud.google.com"),
        },
    ),
    (
        Hosts::Exactly(&["registry.k8s.io"]),
        KnownRegistry {
            name: "registry.k8s.io",
            // https://github.com/kubernetes/registry.k8s.io: public images only, anonymous.
            log_in: None,
            // kubernetes/k8s.io infra/gcp/terraform/k8s-infra-oci-proxy-prod/cloud-armor.tf:
            // a per-IP request limit in front of the registry.
            rate_limit: "it limits requests per IP address; slow down, or mirror the images you use",
            status_page: None,
        },
    ),
];

/// The well-known registry at `host` (`docker.io`, `ghcr.io`, `us-docker.pkg.dev`…), if any.
pub fn known(host: &str) -> Option<&'static KnownRegistry> {
    let host = host.split(':').next().unwrap_or(host).to_ascii_lowercase();
    REGISTRIES.iter().find_map(|(hosts, registry)| {
        let matches = match hosts {
            Hosts::Exactly(names) => names.contains(&host.as_str()),
            Hosts::EndingWith(suffix) => {
                host.ends_with(suffix) && (*suffix != ".amazonaws.com" || host.contains(".dkr.ecr."))
            }
        };
        matches.then_some(registry)
    })
}

/// What to do about a failure of kind `kind` at registry `host`, for a request sent with
/// credentials or not, naming the registry; `None` where nothing registry-specific helps (a
/// refused address, an oversized body, an outage at a registry without a status page).
pub fn advice(host: &str, kind: &ErrorKind, with_credentials: bool) -> Option<String> {
    let registry = known(host);
    let name = registry.map_or(host, |r| r.name);
    let again = if with_credentials {
        "check the credentials; to log in again,"
    } else {
        "to log in,"
    };
    let said = match kind {
        ErrorKind::Unauthorized | ErrorKind::Denied => match registry {
            Some(KnownRegistry { log_in: None, .. }) => {
                "serves public images only: check the name, it may not exist".to_owned()
            }
            Some(KnownRegistry { log_in: Some(how), .. }) => format!("{again} {}", how.replace("{host}", host)),
            None => format!("{again} run `docker login {host}`"),
        },
        // What a rate limit asks of an anonymous client is mostly to log in; a logged-in one
        // can only wait.
        ErrorKind::RateLimited if with_credentials => "the account's limit is reached; wait and retry".to_owned(),
        ErrorKind::RateLimited => registry.map_or("wait and retry", |r| r.rate_limit).to_owned(),
        ErrorKind::NotFound => "check the repository name and tag; list its tags to see what it has".to_owned(),
        ErrorKind::Timeout | ErrorKind::Unreachable(_) | ErrorKind::BadUpstream => {
            match registry.and_then(|r| r.status_page) {
                Some(page) => format!("try again later, and see its status page: {page}"),
                None => return None,
            }
        }
        ErrorKind::TooLarge | ErrorKind::Refused => return None,
    };
    Some(format!("{name}: {said}"))
}

impl Failure {
    /// This failure with what to do at registry `host` added to its message (see [`advice`]).
    pub fn advised(mut self, host: &str, with_credentials: bool) -> Failure {
        if let Some(advice) = advice(host, &self.kind, with_credentials) {
            self.message = format!("{}. {advice}", self.message.trim_end_matches('.'));
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::ConnectCause;

    #[test]
    fn names_each_registry_by_its_hosts() {
        let name = |host| known(host).map(|r| r.name);
        assert_eq!(name("docker.io"), Some("Docker Hub"));
        assert_eq!(name("registry-1.docker.io"), Some("Docker Hub"));
        assert_eq!(name("GHCR.io"), Some("GitHub Container Registry"));
        assert_eq!(name("us-west1-docker.pkg.dev"), Some("Google Artifact Registry"));
        assert_eq!(name("eu.gcr.io"), Some("Google Container Registry"));
        assert_eq!(name("123456789012.dkr.ecr.eu-west-1.amazonaws.com"), Some("Amazon ECR"));
        assert_eq!(name("s3.amazonaws.com"), None, "an object store is not a registry");
        assert_eq!(name("myregistry.azurecr.io"), Some("Azure Container Registry"));
        assert_eq!(name("registry.example.com:5443"), None);
        // A lookalike is not the registry.
        assert_eq!(name("ghcr.io.example.com"), None);
        assert_eq!(name("evil-docker.pkg.dev.example.com"), None);
    }

    #[test]
    fn says_what_to_do_per_failure() {
        let hub = |kind| advice("docker.io", &kind, false).unwrap();
        assert!(hub(ErrorKind::Unauthorized).starts_with("Docker Hub: to log in, run `docker login` with"));
        assert!(hub(ErrorKind::RateLimited).contains("for a higher limit"));
        assert!(hub(ErrorKind::BadUpstream).ends_with("https://www.dockerstatus.com"));
        assert_eq!(
            advice("docker.io", &ErrorKind::RateLimited, true).unwrap(),
            "Docker Hub: the account's limit is reached; wait and retry"
        );
        assert_eq!(
            advice("us-docker.pkg.dev", &ErrorKind::Denied, false).unwrap(),
            "Google Artifact Registry: to log in, run `gcloud auth configure-docker us-docker.pkg.dev`"
        );
        assert!(advice("ghcr.io", &ErrorKind::Unauthorized, true).unwrap().starts_with(
            "GitHub Container Registry: check the credentials; to log in again, run `docker login ghcr.io`"
        ));
        assert!(advice("mcr.microsoft.com", &ErrorKind::Unauthorized, false)
            .unwrap()
            .contains("public images only"));
        assert_eq!(
            advice("registry.example.com:5443", &ErrorKind::Unauthorized, false).unwrap(),
            "registry.example.com:5443: to log in, run `docker login registry.example.com:5443`"
        );
        assert_eq!(
            advice(
                "registry.example.com:5443",
                &ErrorKind::Unreachable(ConnectCause::Refused),
                false
            ),
            None
        );
        assert_eq!(advice("docker.io", &ErrorKind::Refused, false), None);
    }

    #[test]
    fn a_failure_ends_with_the_advice() {
        let failure = Failure {
            kind: ErrorKind::RateLimited,
            message: "docker.io/library/mysql:8: rate limited by the registry; retry after 60 s".into(),
            retry_after: Some(60),
        }
        .advised("docker.io", false);
        assert_eq!(
            failure.message,
            "docker.io/library/mysql:8: rate limited by the registry; retry after 60 s. Docker Hub: anonymous pulls are limited per IP address; `docker login` for a higher limit, or wait for the window to pass"
        );
    }
}
