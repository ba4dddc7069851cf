//! Credentials like docker finds them: `--username` with `--password-stdin`, else
//! `$DOCKER_CONFIG/config.json` (`auths`, `credsStore`, `credHelpers`); anonymous otherwise.

use std::io::Read;

use docker_credential::DockerCredential;
use fathom_core::registry::Credentials;

/// The docker config key of a registry (Docker Hub's is its legacy v1 URL).
fn server_key(registry: &str) -> &str {
    if registry == "docker.io" {
        "https://index.docker.io/v1/"
    } else {
        registry
    }
}

/// Credentials for `registry`: from the flags when given, else docker's configuration.
pub fn resolve(registry: &str, username: Option<&str>, password_stdin: bool) -> Result<Option<Credentials>, String> {
    if let Some(username) = username {
        if !password_stdin {
            return Err("--username needs --password-stdin (passwords are not taken as arguments)".into());
        }
        let mut password = String::new();
        std::io::stdin()
            .read_to_string(&mut password)
            .map_err(|e| format!("cannot read the password from stdin: {e}"))?;
        return Ok(Some(Credentials {
            username: username.to_owned(),
            password: password.trim_end_matches(['\n', '\r']).to_owned(),
        }));
    }
    if password_stdin {
        return Err("--password-stdin needs --username".into());
    }
    Ok(match docker_credential::get_credential(server_key(registry)) {
        Ok(DockerCredential::UsernamePassword(username, password)) => Some(Credentials { username, password }),
        Ok(DockerCredential::IdentityToken(_)) => {
            eprintln!("fathom: docker's identity token for {registry} is not supported; continuing anonymously");
            None
        }
        Err(_) => None,
    })
}
