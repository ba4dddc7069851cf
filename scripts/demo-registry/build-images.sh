# shellcheck shell=bash disable=SC2016  # the '$x' in jq programs are jq variables
# Builds Fathom's demo images and pushes them into the no-auth demo registry.
# Sourced by scripts/demo-registry.sh (which defines STATE, die, log, BUSYBOX_VERSION); not run alone.
#
# Everything here must give the same digests on every run and every machine of this kind:
#   - the busybox binaries come from pinned Debian bookworm `busybox-static` .debs;
#   - buildah commits with `--timestamp 0` (created, history and every file mtime = epoch) and
#     without the io.buildah.version label, and pushes with gzip;
#   - the hand-written manifests (nested index, attestation, artifact, referrers fallback) are built
#     with `jq -c` from the real descriptors the registry reports, with fixed timestamps.
# If you change anything here the digests in expected.json change: regenerate it with
# `scripts/demo-registry.sh expected` and say why in the commit.

# Debian architecture → OCI platform (os is always linux).
BUSYBOX_ARCHES=(amd64 arm64 armhf armel i386 ppc64el s390x mips64el)
declare -A OCI_ARCH=([amd64]=amd64 [arm64]=arm64 [armhf]=arm [armel]=arm [i386]=386
  [ppc64el]=ppc64le [s390x]=s390x [mips64el]=mips64le)
declare -A OCI_VARIANT=([arm64]=v8 [armhf]=v7 [armel]=v5)

# demo/debian: Debian's own userland, pinned (other versions mean other layer bytes, hence other
# digests): versions bookworm has kept since its release.
DEBIAN_PACKAGES=(coreutils=9.1-1 tar=1.34+dfsg-1.2+deb12u1 dash=0.5.12-2 grep=3.8-5
  findutils=4.9.0-4 gzip=1.12-1 diffutils=1:3.8-4)

LOCAL=localhost/fathom-demo             # names inside buildah's private store
MARKUP_LABEL_KEY=org.example.fathom.markup  # a label whose value is HTML: the web app must escape it
MARKUP_LABEL_VALUE='<img src=x onerror=alert(1)>'
EPOCH=1970-01-01T00:00:00Z

ACCEPT_ALL='application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json'

# buildah with a private store under the state dir (vfs: works as root without overlay or fuse).
bah() {
  BUILDAH_ISOLATION=chroot TMPDIR="$STATE/tmp" \
    buildah --root "$STATE/buildah/storage" --runroot "$STATE/buildah/run" --storage-driver vfs "$@"
}

# ---------------------------------------------------------------------------------------------------
# busybox binaries from Debian

# The mirror this machine's apt already uses for Debian main (deb822 or one-line format), so the
# private apt below goes through the same (possibly local) mirror.
debian_mirror() {
  local uri
  uri=$(awk '
      /^URIs:/ {u=$2} /^Suites:/ {s=$0}
      /^$/ { if (u ~ /debian\/?$/ && s ~ /bookworm( |$)/) {print u; exit} u=""; s="" }
      END  { if (u ~ /debian\/?$/ && s ~ /bookworm( |$)/) print u }' \
      /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
  if [[ -z $uri ]]; then
    uri=$(awk '$1=="deb" && $0 ~ / bookworm / {for (i=2;i<=NF;i++) if ($i ~ /^https?:/) {print $i; exit}}' \
      /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | grep -v security | head -1 || true)
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

# An apt of our own for ARCHES (own lists, own sources list, the machine's mirror) so that the
# machine's apt configuration and dpkg are left untouched: fills APT_OPTS and updates its lists.
private_apt() { # dir arch[,arch…]
  local dir=$1 arches=$2
  mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/sources.list.d" "$dir/preferences.d"
  local signed=
  [[ -r /usr/share/keyrings/debian-archive-keyring.gpg ]] &&
    signed='[signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] '
  echo "deb ${signed}$(debian_mirror) bookworm main" >"$dir/sources.list"
  APT_OPTS=(
    -o "APT::Architecture=amd64" -o "APT::Architectures=$arches"
    -o "Dir::State::Lists=$dir/lists" -o "Dir::Etc::SourceList=$dir/sources.list"
    -o "Dir::Etc::SourceParts=$dir/sources.list.d" -o "Dir::Etc::PreferencesParts=$dir/preferences.d"
    -o "Dir::Etc::Preferences=/dev/null" -o "Dir::Cache=$dir/cache"
    -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache="
    -o "Acquire::Languages=none" -o "APT::Sandbox::User=root"
    # appstream metadata is enabled system-wide on some machines; we only need Packages
    -o "Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false"
    -o "Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled=false"
    -o "Acquire::IndexTargets::deb::DEP-11-icons-small::DefaultEnabled=false"
    -o "Acquire::IndexTargets::deb::DEP-11-icons-hidpi::DefaultEnabled=false"
    -o "Acquire::IndexTargets::deb::CNF::DefaultEnabled=false"
  )
  apt-get "${APT_OPTS[@]}" -qq update || die "apt-get update ($arches) from $(debian_mirror) failed"
}

# Downloads busybox-static for every architecture into $STATE/debs/<arch>.deb.
fetch_busybox_debs() {
  local arch missing=() dir=$STATE/apt debs=$STATE/debs
  for arch in "${BUSYBOX_ARCHES[@]}"; do
    [[ -s $debs/$arch.deb && $(dpkg-deb -f "$debs/$arch.deb" Version) == "$BUSYBOX_VERSION" ]] ||
      missing+=("$arch")
  done
  ((${#missing[@]})) || return 0
  log "downloading busybox-static $BUSYBOX_VERSION for: ${missing[*]}"
  mkdir -p "$debs"
  private_apt "$dir" "$(IFS=,; echo "${BUSYBOX_ARCHES[*]}")"
  local tmp
  tmp=$(mktemp -d "$STATE/tmp/debs.XXXXXX")
  local pkgs=()
  for arch in "${missing[@]}"; do pkgs+=("busybox-static:$arch=$BUSYBOX_VERSION"); done
  # The version is pinned: another busybox build means other layer bytes, hence other digests.
  if ! (cd "$tmp" && apt-get "${APT_OPTS[@]}" -qq download "${pkgs[@]}"); then
    die "busybox-static $BUSYBOX_VERSION is not on $(debian_mirror) for all of ${missing[*]}." \
      "The mirror offers: $(apt-cache "${APT_OPTS[@]}" madison busybox-static | awk -F'|' '{print $2}' | sort -u | xargs)." \
      "Set FATHOM_BUSYBOX_VERSION to one of those and regenerate expected.json (digests will change)."
  fi
  for arch in "${missing[@]}"; do
    local f
    f=$(compgen -G "$tmp/busybox-static_*_$arch.deb" | head -1 || true)
    [[ -n $f && $(dpkg-deb -f "$f" Version) == "$BUSYBOX_VERSION" ]] ||
      die "downloading busybox-static $BUSYBOX_VERSION for $arch failed"
    mv "$f" "$debs/$arch.deb"
  done
  # The package lists (~140 MB for 8 architectures) are only needed to download again.
  rm -rf "$tmp" "$dir"
}

# Downloads the pinned amd64 packages of demo/debian into $STATE/debs/debian/.
fetch_debian_debs() {
  local pkg name missing=() dir=$STATE/apt-debian debs=$STATE/debs/debian
  for pkg in "${DEBIAN_PACKAGES[@]}"; do
    name=${pkg%%=*}
    [[ -s $debs/$name.deb && $(dpkg-deb -f "$debs/$name.deb" Version) == "${pkg#*=}" ]] || missing+=("$pkg")
  done
  ((${#missing[@]})) || return 0
  log "downloading ${missing[*]} (amd64) for demo/debian"
  mkdir -p "$debs"
  private_apt "$dir" amd64
  local tmp
  tmp=$(mktemp -d "$STATE/tmp/debs.XXXXXX")
  (cd "$tmp" && apt-get "${APT_OPTS[@]}" -qq download "${missing[@]}") ||
    die "not all of ${missing[*]} are on $(debian_mirror): pin the versions it offers in" \
      "DEBIAN_PACKAGES (build-images.sh) and regenerate expected.json (digests will change)."
  for pkg in "${missing[@]}"; do
    name=${pkg%%=*}
    mv "$(compgen -G "$tmp/${name}_*_*.deb" | head -1)" "$debs/$name.deb"
  done
  rm -rf "$tmp" "$dir"
}

# $STATE/scratch/rootfs/<arch>/bin/{busybox, sh -> busybox}
extract_rootfs() {
  local arch=$1 root=$STATE/scratch/rootfs/$1 tmp=$STATE/scratch/deb-$1
  rm -rf "$root" "$tmp"
  mkdir -p "$root/bin" "$tmp"
  dpkg-deb -x "$STATE/debs/$arch.deb" "$tmp"
  cp "$tmp/bin/busybox" "$root/bin/busybox"
  ln -s busybox "$root/bin/sh"
  rm -rf "$tmp"
}

# ---------------------------------------------------------------------------------------------------
# images with buildah

# config flags for one architecture's platform
platform_flags() {
  local arch=$1
  echo "--os linux --arch ${OCI_ARCH[$arch]}${OCI_VARIANT[$arch]:+ --variant ${OCI_VARIANT[$arch]}}"
}

commit() { # container image-name [format]
  bah commit --rm --quiet --format "${3:-oci}" --timestamp 0 --identity-label=false "$1" "$2" >/dev/null
}

build_busybox() {
  local arch=$1 ctr
  ctr=$(bah from scratch)
  bah copy --quiet "$ctr" "$STATE/scratch/rootfs/$arch/" / >/dev/null
  # shellcheck disable=SC2046  # platform_flags is meant to split
  bah config $(platform_flags "$arch") --cmd '["/bin/sh"]' \
    --label org.opencontainers.image.source=fathom-demo \
    --label "$MARKUP_LABEL_KEY=$MARKUP_LABEL_VALUE" "$ctr"
  commit "$ctr" "$LOCAL/busybox:$arch"
}

# FROM an existing local image plus one layer holding one small file.
build_on_top() { # debian-arch base-image new-image path-in-image content [label...]
  local arch=$1 base=$2 image=$3 path=$4 content=$5 ctr file label
  shift 5
  file=$(mktemp "$STATE/tmp/file.XXXXXX")
  printf '%s\n' "$content" >"$file"
  chmod 0644 "$file"
  # the platform flags only tell buildah which platform to expect (else it warns for non-amd64)
  # shellcheck disable=SC2046
  ctr=$(bah from --quiet --pull=never $(platform_flags "$arch") "$base")
  bah copy --quiet "$ctr" "$file" "$path" >/dev/null
  for label in "$@"; do bah config --label "$label" "$ctr"; done
  commit "$ctr" "$image"
  rm -f "$file"
}

# demo/debian: a real rootfs — the DEBIAN_PACKAGES unpacked as dpkg unpacks them (no maintainer
# scripts run) with the static busybox, some 28 MB in some 750 files — and a second layer
# made by running that busybox in it, as a Dockerfile's RUN would: the manuals and most
# translations deleted (real whiteouts, written by buildah), /etc/os-release written again, and a
# file added.
build_debian() {
  local root=$STATE/scratch/debian deb ctr
  rm -rf "$root"
  mkdir -p "$root/bin"
  for deb in "$STATE/debs/debian/"*.deb; do dpkg-deb -x "$deb" "$root"; done
  dpkg-deb --fsys-tarfile "$STATE/debs/amd64.deb" | tar -x -O ./bin/busybox >"$root/bin/busybox"
  chmod 0755 "$root/bin/busybox"
  mkdir -p "$root/etc"
  printf 'PRETTY_NAME="Fathom demo (Debian bookworm packages)"\nNAME="Fathom demo"\nID=fathom-demo\n' \
    >"$root/etc/os-release"
  ctr=$(bah from scratch)
  bah copy --quiet "$ctr" "$root/" / >/dev/null
  bah config --os linux --arch amd64 --cmd '["/bin/dash"]' \
    --label org.opencontainers.image.title=demo-debian "$ctr"
  commit "$ctr" "$LOCAL/debian:base"
  ctr=$(bah from --quiet --pull=never --os linux --arch amd64 "$LOCAL/debian:base")
  bah run --isolation chroot "$ctr" -- /bin/busybox sh -c '
    rm -rf /usr/share/man /usr/share/info &&
    for d in /usr/share/locale/*; do case $d in */de|*/fr) ;; *) rm -rf "$d" ;; esac; done &&
    printf "PRETTY_NAME=\"Fathom demo, trimmed\"\nNAME=\"Fathom demo\"\nID=fathom-demo\n" >/etc/os-release &&
    echo "Debian packages: '"${DEBIAN_PACKAGES[*]}"'" >/etc/fathom-packages' ||
    die "running busybox in demo/debian failed"
  commit "$ctr" "$LOCAL/debian:trimmed"
}

push_image() { # local-image format repo:tag
  bah push --quiet --format "$2" --compression-format gzip --tls-verify=false \
    "$LOCAL/$1" "docker://$REG/$3" || die "pushing $1 to $REG/$3 failed"
}

push_list() { # local-list format repo:tag
  bah manifest push --quiet --all --format "$2" --tls-verify=false \
    "$LOCAL/$1" "docker://$REG/$3" || die "pushing list $1 to $REG/$3 failed"
}

# ---------------------------------------------------------------------------------------------------
# plain registry HTTP with curl, for what no tool here can make

v2() { echo "http://$REG/v2"; }

sha256_of() { echo "sha256:$(sha256sum <"$1" | cut -d' ' -f1)"; }
size_of() { stat -c %s "$1"; }

# Uploads a file as a blob (POST, then PUT with the digest) unless the repository has it.
blob_push() { # repo file → prints digest
  local repo=$1 file=$2 digest location sep
  digest=$(sha256_of "$file")
  if curl -fsS -o /dev/null -I "$(v2)/$repo/blobs/$digest" 2>/dev/null; then echo "$digest"; return; fi
  location=$(curl -fsS -X POST -D - -o /dev/null "$(v2)/$repo/blobs/uploads/" |
    tr -d '\r' | awk 'tolower($1)=="location:" {print $2}')
  [[ -n $location ]] || die "no upload location from $REG for $repo"
  [[ $location == /* ]] && location="http://$REG$location"
  sep='?'
  [[ $location == *\?* ]] && sep='&'
  curl -fsS -X PUT -H 'Content-Type: application/octet-stream' --data-binary "@$file" \
    -o /dev/null "$location${sep}digest=$digest" || die "blob upload $digest to $repo failed"
  echo "$digest"
}

# Cross-repository mount: the registry links the blob without a copy (201), as clients do.
blob_mount() { # to-repo from-repo digest
  local code
  code=$(curl -sS -X POST -o /dev/null -w '%{http_code}' \
    "$(v2)/$1/blobs/uploads/?mount=$3&from=$2")
  [[ $code == 201 ]] || die "mounting $3 from $2 into $1 answered $code, expected 201"
}

# GET a manifest by tag or digest into a file; prints its media type.
manifest_get() { # repo ref out-file
  local headers
  headers=$(curl -fsS -D - -o "$3" -H "Accept: $ACCEPT_ALL" "$(v2)/$1/manifests/$2") ||
    die "GET manifest $1:$2 failed"
  tr -d '\r' <<<"$headers" | awk 'tolower($1)=="content-type:" {print $2}'
}

# PUT a manifest file; checks that the registry computed the digest we did over the same bytes.
manifest_put() { # repo ref file media-type
  local code want got
  want=$(sha256_of "$3")
  code=$(curl -sS -X PUT -H "Content-Type: $4" --data-binary "@$3" -D "$STATE/tmp/put.headers" \
    -o "$STATE/tmp/put.body" -w '%{http_code}' "$(v2)/$1/manifests/$2")
  [[ $code == 201 ]] || die "PUT manifest $1:$2 answered $code: $(cat "$STATE/tmp/put.body")"
  got=$(tr -d '\r' <"$STATE/tmp/put.headers" | awk 'tolower($1)=="docker-content-digest:" {print $2}')
  [[ $got == "$want" ]] || die "registry says $1:$2 is $got, we computed $want"
}

# Copies a manifest (and, for an index, every child) by digest from one repository to another,
# mounting the blobs: an index can only be pushed where its children already are.
copy_manifest_tree() { # from-repo to-repo digest
  local from=$1 to=$2 digest=$3 file media child blob
  file=$(mktemp "$STATE/tmp/manifest.XXXXXX")
  media=$(manifest_get "$from" "$digest" "$file")
  if jq -e 'has("manifests")' "$file" >/dev/null; then
    for child in $(jq -r '.manifests[].digest' "$file"); do copy_manifest_tree "$from" "$to" "$child"; done
  else
    for blob in $(jq -r '.config.digest, .layers[].digest' "$file"); do blob_mount "$to" "$from" "$blob"; done
  fi
  manifest_put "$to" "$digest" "$file" "$media"
  rm -f "$file"
}

# Writes compact JSON made by jq (no trailing newline) to a file.
write_json() { # file jq-args...
  local out=$1
  shift
  jq -cjn "$@" >"$out"
}

# ---------------------------------------------------------------------------------------------------
# the hand-written manifests

# demo/nested:latest: an OCI index whose entries are the busybox OCI index and the amd64 image.
push_nested() { # index-digest index-size amd64-digest amd64-size
  local f=$STATE/scratch/nested.json
  copy_manifest_tree demo/busybox demo/nested "$1"
  write_json "$f" --arg idx "$1" --argjson isz "$2" --arg amd "$3" --argjson asz "$4" '{
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: [
      {mediaType: "application/vnd.oci.image.index.v1+json", digest: $idx, size: $isz,
       annotations: {"org.opencontainers.image.ref.name": "busybox-all-platforms"}},
      {mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $amd, size: $asz,
       platform: {architecture: "amd64", os: "linux"}}
    ]}'
  manifest_put demo/nested latest "$f" application/vnd.oci.image.index.v1+json
}

# An SPDX 2.3 document of what the demo's busybox images hold: Debian's busybox-static, with its
# purl (SPDX 2.3 §7, §11 "purl").
write_busybox_spdx() { # file name namespace
  write_json "$1" --arg name "$2" --arg ns "$3" --arg ver "$BUSYBOX_VERSION" --arg epoch "$EPOCH" '{
    spdxVersion: "SPDX-2.3", dataLicense: "CC0-1.0", SPDXID: "SPDXRef-DOCUMENT",
    name: $name, documentNamespace: $ns,
    creationInfo: {created: $epoch, creators: ["Tool: fathom-demo-registry"]},
    packages: [{name: "busybox-static", SPDXID: "SPDXRef-Package-deb-busybox-static",
                versionInfo: $ver, supplier: "Organization: Debian",
                downloadLocation: "NOASSERTION", licenseConcluded: "GPL-2.0-only",
                licenseDeclared: "GPL-2.0-only", copyrightText: "NOASSERTION",
                externalRefs: [{referenceCategory: "PACKAGE-MANAGER", referenceType: "purl",
                  referenceLocator: ("pkg:deb/debian/busybox-static@" + ($ver | @uri) + "?arch=amd64")}]}]}'
}

# demo/attested:latest: linux/amd64 plus a BuildKit-style attestation manifest (unknown/unknown)
# whose layers are in-toto statements about the amd64 manifest, as BuildKit stores them
# (moby/buildkit docs/attestations/attestation-storage.md): SLSA provenance v0.2, and an SPDX
# SBOM of what the image holds (Debian's busybox-static).
push_attested() { # amd64-digest amd64-size
  local amd=$1 asz=$2 w=$STATE/scratch statement config manifest layer cfg deb_sha sbom sbom_layer
  copy_manifest_tree demo/busybox demo/attested "$amd"
  deb_sha=$(sha256sum <"$STATE/debs/amd64.deb" | cut -d' ' -f1)
  statement=$w/provenance.json config=$w/attestation-config.json manifest=$w/attestation.json
  write_json "$statement" --arg hex "${amd#sha256:}" --arg ver "$BUSYBOX_VERSION" \
    --arg deb "$deb_sha" --arg epoch "$EPOCH" '{
    _type: "https://in-toto.io/Statement/v0.1",
    predicateType: "https://slsa.dev/provenance/v0.2",
    subject: [{name: "pkg:docker/demo/attested@latest?platform=linux%2Famd64", digest: {sha256: $hex}}],
    predicate: {
      builder: {id: "https://github.com/fathom/fathom/scripts/demo-registry.sh"},
      buildType: "https://github.com/fathom/fathom/scripts/demo-registry/buildah@v1",
      invocation: {configSource: {entryPoint: "scripts/demo-registry/build-images.sh"}},
      metadata: {buildStartedOn: $epoch, buildFinishedOn: $epoch, reproducible: true,
                 completeness: {parameters: true, environment: false, materials: true}},
      materials: [{uri: ("pkg:deb/debian/busybox-static@" + ($ver | @uri) + "?arch=amd64"),
                   digest: {sha256: $deb}}]
    }}'
  layer=$(blob_push demo/attested "$statement")
  sbom=$w/sbom.intoto.json
  write_busybox_spdx "$w/attested.spdx.json" "demo/attested:latest (linux/amd64)" \
    "https://fathom.invalid/demo-registry/spdx/$amd"
  write_json "$sbom" --arg hex "${amd#sha256:}" --slurpfile doc "$w/attested.spdx.json" '{
    _type: "https://in-toto.io/Statement/v0.1",
    predicateType: "https://spdx.dev/Document",
    subject: [{name: "pkg:docker/demo/attested@latest?platform=linux%2Famd64", digest: {sha256: $hex}}],
    predicate: $doc[0]}'
  sbom_layer=$(blob_push demo/attested "$sbom")
  # BuildKit's attestation manifests carry this minimal image config.
  write_json "$config" --arg layer "$layer" --arg sbom "$sbom_layer" '{
    architecture: "unknown", os: "unknown", config: {},
    rootfs: {type: "layers", diff_ids: [$layer, $sbom]}}'
  cfg=$(blob_push demo/attested "$config")
  write_json "$manifest" --arg cfg "$cfg" --argjson csz "$(size_of "$config")" \
    --arg layer "$layer" --argjson lsz "$(size_of "$statement")" \
    --arg sbom "$sbom_layer" --argjson bsz "$(size_of "$sbom")" '{
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $cfg, size: $csz},
    layers: [{mediaType: "application/vnd.in-toto+json", digest: $layer, size: $lsz,
              annotations: {"in-toto.io/predicate-type": "https://slsa.dev/provenance/v0.2"}},
             {mediaType: "application/vnd.in-toto+json", digest: $sbom, size: $bsz,
              annotations: {"in-toto.io/predicate-type": "https://spdx.dev/Document"}}]}'
  manifest_put demo/attested "$(sha256_of "$manifest")" "$manifest" application/vnd.oci.image.manifest.v1+json
  write_json "$w/attested-index.json" --arg amd "$amd" --argjson asz "$asz" \
    --arg att "$(sha256_of "$manifest")" --argjson tsz "$(size_of "$manifest")" '{
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: [
      {mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $amd, size: $asz,
       platform: {architecture: "amd64", os: "linux"}},
      {mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $att, size: $tsz,
       annotations: {"vnd.docker.reference.digest": $amd,
                     "vnd.docker.reference.type": "attestation-manifest"},
       platform: {architecture: "unknown", os: "unknown"}}
    ]}'
  manifest_put demo/attested latest "$w/attested-index.json" application/vnd.oci.image.index.v1+json
}

# An OCI 1.1 artifact (an SBOM) whose subject is demo/busybox:oci's index, and — because
# distribution 2.8 has no referrers API — the referrers tag-schema fallback: tag
# sha256-<hex of subject digest> holding an index that lists the artifact with its artifactType and
# annotations (OCI distribution-spec v1.1, "Referrers Tag Schema").
push_artifact() { # subject-digest subject-size
  local w=$STATE/scratch empty sbom artifact sbom_digest art_digest
  empty=$w/empty.json sbom=$w/sbom.spdx.json artifact=$w/artifact.json
  printf '{}' >"$empty"
  blob_push demo/busybox "$empty" >/dev/null
  write_busybox_spdx "$sbom" "demo/busybox:oci" "https://fathom.invalid/demo-registry/spdx/$1"
  sbom_digest=$(blob_push demo/busybox "$sbom")
  write_json "$artifact" --arg subject "$1" --argjson ssz "$2" --arg sbom "$sbom_digest" \
    --argjson bsz "$(size_of "$sbom")" --arg epoch "$EPOCH" '{
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    artifactType: "application/vnd.example.sbom+json",
    config: {mediaType: "application/vnd.oci.empty.v1+json",
             digest: "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
             size: 2, data: "e30="},
    layers: [{mediaType: "application/spdx+json", digest: $sbom, size: $bsz,
              annotations: {"org.opencontainers.image.title": "sbom.spdx.json"}}],
    subject: {mediaType: "application/vnd.oci.image.index.v1+json", digest: $subject, size: $ssz},
    annotations: {"org.opencontainers.image.created": $epoch,
                  "org.example.fathom.note": "demo SBOM attached with subject"}}'
  art_digest=$(sha256_of "$artifact")
  manifest_put demo/busybox "$art_digest" "$artifact" application/vnd.oci.image.manifest.v1+json
  write_json "$w/referrers.json" --arg d "$art_digest" --argjson sz "$(size_of "$artifact")" \
    --argjson ann "$(jq -c .annotations "$artifact")" '{
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $d, size: $sz,
                 artifactType: "application/vnd.example.sbom+json", annotations: $ann}]}'
  manifest_put demo/busybox "sha256-${1#sha256:}" "$w/referrers.json" application/vnd.oci.image.index.v1+json
}

# ---------------------------------------------------------------------------------------------------
# cosign signatures: demo/signed
#
# Signed as `cosign sign --key` signs (sigstore/cosign pkg/cosign, pkg/oci/static,
# pkg/oci/mutate): a simple signing payload naming the manifest digest; its signature (made by
# cosign_sign.py with keys made there, from fixed seeds, under $STATE/keys) in the layer annotation
# dev.cosignproject.cosign/signature; one layer per signature in the manifest tagged
# sha256-<hex>.sig, its config the one go-containerregistry writes for it. And as cosign's OCI 1.1
# mode attaches one (--registry-referrers-mode=oci-1-1): a manifest of artifactType
# application/vnd.dev.cosign.artifact.sig.v1+json with a subject, listed under the referrers
# fallback tag (distribution 2.8 has no referrers API).

# The payload's docker-reference: the repository as signed, written with the default port so
# that digests do not depend on the port the registry runs on.
COSIGN_REFERENCE=127.0.0.1:5555/demo/signed

cosign_payload() { # out-file manifest-digest [optional-claims-json]
  write_json "$1" --arg d "$2" --arg r "$COSIGN_REFERENCE" --argjson o "${3:-null}" '{
    critical: {identity: {"docker-reference": $r}, image: {"docker-manifest-digest": $d},
               type: "cosign container image signature"},
    optional: $o}'
}

# Pushes the payload and prints its layer descriptor carrying the signature `signature`.
cosign_layer() { # repo payload-file signature
  local digest
  digest=$(blob_push "$1" "$2")
  jq -cn --arg d "$digest" --argjson s "$(size_of "$2")" --arg sig "$3" '{
    mediaType: "application/vnd.dev.cosign.simplesigning.v1+json", size: $s, digest: $d,
    annotations: {"dev.cosignproject.cosign/signature": $sig}}'
}

# A payload for `digest`, signed with `algorithm`: prints its layer descriptor.
cosign_signed_layer() { # repo digest algorithm [optional-claims-json]
  local payload=$STATE/scratch/cosign/payload-$3-${2#sha256:}.json
  cosign_payload "$payload" "$2" "${4:-null}"
  cosign_layer "$1" "$payload" "$("$PYTHON" "$LIB/cosign_sign.py" sign "$STATE/keys" "$3" "$payload")"
}

# The sha256-<hex>.sig manifest of `subject` holding the layers given.
cosign_push_tag() { # repo subject-digest layer-json...
  local repo=$1 subject=$2
  shift 2
  cosign_push_manifest "$repo" "sha256-${subject#sha256:}.sig" "$@"
}

# A manifest as cosign writes its `.sig` and `.att` tags (go-containerregistry's empty image
# config naming no platform, one layer per signature), holding the layers given, as `tag`.
cosign_push_manifest() { # repo tag layer-json...
  local repo=$1 tag=$2 w=$STATE/scratch/cosign layers config
  shift 2
  layers=$(printf '%s\n' "$@" | jq -cs .)
  write_json "$w/config.json" --argjson l "$layers" '{architecture: "", created: "0001-01-01T00:00:00Z",
    history: [$l[] | {created: "0001-01-01T00:00:00Z"}], os: "",
    rootfs: {type: "layers", diff_ids: [$l[].digest]}, config: {}}'
  config=$(blob_push "$repo" "$w/config.json")
  write_json "$w/sig.json" --arg c "$config" --argjson cs "$(size_of "$w/config.json")" \
    --argjson l "$layers" '{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: {mediaType: "application/vnd.oci.image.config.v1+json", size: $cs, digest: $c}, layers: $l}'
  manifest_put "$repo" "$tag" "$w/sig.json" application/vnd.oci.image.manifest.v1+json
}

# `cosign attest --key` (cosign v2, its `.att` tag): an in-toto statement about `subject` with
# the predicate in `predicate-file`, in a DSSE envelope signed with `algorithm`, one layer of the
# `sha256-<hex>.att` manifest (sigstore/cosign `pkg/cosign/attestation`, `pkg/oci/static`).
cosign_push_attestation() { # repo subject-digest predicate-type predicate-file algorithm
  local w=$STATE/scratch/cosign digest layer
  write_json "$w/att-statement.json" --arg r "$COSIGN_REFERENCE" --arg h "${2#sha256:}" --arg t "$3" \
    --slurpfile p "$4" '{_type: "https://in-toto.io/Statement/v0.1", predicateType: $t,
    subject: [{name: $r, digest: {sha256: $h}}], predicate: $p[0]}'
  "$PYTHON" "$LIB/cosign_sign.py" envelope "$STATE/keys" "$5" "$w/att-statement.json" >"$w/envelope.json" ||
    die "signing an attestation failed"
  digest=$(blob_push "$1" "$w/envelope.json")
  layer=$(jq -cn --arg d "$digest" --argjson s "$(size_of "$w/envelope.json")" --arg t "$3" \
    '{mediaType: "application/vnd.dsse.envelope.v1+json", size: $s, digest: $d, annotations: {predicateType: $t}}')
  cosign_push_manifest "$1" "sha256-${2#sha256:}.att" "$layer"
}

# `layer` attached to `subject` as an OCI 1.1 referrer of `artifact-type`, and the referrers
# fallback tag listing it (with the manifest's annotations, as the referrers API would).
push_referrer() { # repo subject-digest subject-media-type subject-size artifact-type layer-json [annotations-json]
  local repo=$1 w=$STATE/scratch/cosign digest
  printf '{}' >"$w/empty.json"
  blob_push "$repo" "$w/empty.json" >/dev/null
  write_json "$w/referrer.json" --arg d "$2" --arg m "$3" --argjson s "$4" --arg t "$5" --argjson l "$6" \
    --argjson a "${7:-null}" '{
    schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", artifactType: $t,
    config: {mediaType: "application/vnd.oci.empty.v1+json", size: 2,
             digest: "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},
    layers: [$l], subject: {mediaType: $m, size: $s, digest: $d}} + (if $a then {annotations: $a} else {} end)'
  digest=$(sha256_of "$w/referrer.json")
  manifest_put "$repo" "$digest" "$w/referrer.json" application/vnd.oci.image.manifest.v1+json
  write_json "$w/referrers.json" --arg d "$digest" --argjson s "$(size_of "$w/referrer.json")" --arg t "$5" \
    --argjson a "${7:-null}" '{
    schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $d, size: $s,
                 artifactType: $t} + (if $a then {annotations: $a} else {} end)]}'
  manifest_put "$repo" "sha256-${2#sha256:}" "$w/referrers.json" application/vnd.oci.image.index.v1+json
}

# The signature of `subject` as cosign's OCI 1.1 signature referrer.
cosign_push_referrer() { # repo subject-digest subject-media-type subject-size layer-json
  push_referrer "$1" "$2" "$3" "$4" application/vnd.dev.cosign.artifact.sig.v1+json "$5"
}

# cosign v3's signature of `subject` (`cosign sign --key`, its default new bundle format): a
# Sigstore bundle, attached as a referrer of the bundle's media type (sigstore/cosign
# `specs/BUNDLE_SPEC.md`), its DSSE envelope holding an in-toto statement about `signed` (the
# subject itself, unless a copied signature is being made) with predicate type sign/v1.
cosign_push_bundle() { # repo subject-digest subject-media-type subject-size algorithm [signed-digest]
  local w=$STATE/scratch/cosign
  sign_v1_statement "$w/statement.json" "${6:-$2}"
  "$PYTHON" "$LIB/cosign_sign.py" bundle "$STATE/keys" "$5" "$w/statement.json" >"$w/bundle.json" ||
    die "signing a bundle failed"
  push_bundle_referrer "$1" "$2" "$3" "$4" "$w/bundle.json"
}

# cosign v3's statement that it signs the image `digest` (predicate type sign/v1), as it is
# signed in a bundle's DSSE envelope.
sign_v1_statement() { # out-file digest
  write_json "$1" --arg r "$COSIGN_REFERENCE" --arg h "$2" '{
    _type: "https://in-toto.io/Statement/v1",
    subject: [{name: $r, digest: {sha256: ($h | ltrimstr("sha256:"))}}],
    predicateType: "https://sigstore.dev/cosign/sign/v1", predicate: {}}'
}

# `bundle-file` attached to `subject` as cosign v3 attaches a signature bundle.
push_bundle_referrer() { # repo subject-digest subject-media-type subject-size bundle-file
  local bundle=application/vnd.dev.sigstore.bundle.v0.3+json layer digest
  digest=$(blob_push "$1" "$5")
  layer=$(jq -cn --arg m "$bundle" --arg d "$digest" --argjson s "$(size_of "$5")" \
    '{mediaType: $m, size: $s, digest: $d}')
  push_referrer "$1" "$2" "$3" "$4" "$bundle" "$layer" \
    '{"dev.sigstore.bundle.content": "dsse-envelope", "dev.sigstore.bundle.predicateType": "https://sigstore.dev/cosign/sign/v1", "org.opencontainers.image.created": "2026-01-01T00:00:00Z"}'
}

# An index file's entry: the digest of its image for an architecture, or a variant; an entry's size.
index_child() { jq -r --arg a "$2" '.manifests[] | select(.platform.architecture == $a) | .digest' "$1"; }
index_variant() { jq -r --arg v "$2" '.manifests[] | select(.platform.variant == $v) | .digest' "$1"; }
index_entry_size() { jq -r --arg d "$2" '.manifests[] | select(.digest == $d) | .size' "$1"; }

# `notation sign` (notaryproject): a JWS envelope over `subject`'s descriptor — or `envelope-file`,
# an envelope made elsewhere — attached as a referrer of artifact type
# application/vnd.cncf.notary.signature, the certificates' thumbprints annotated as notation
# annotates them (notaryproject/specifications `specs/signature-specification.md`).
notation_push_referrer() { # repo subject-digest subject-media-type subject-size [envelope-file]
  local w=$STATE/scratch/cosign envelope=${5:-$STATE/scratch/cosign/notation.jws} digest layer thumbprints
  if [[ -z ${5:-} ]]; then
    jq -cn --arg m "$3" --arg d "$2" --argjson s "$4" '{mediaType: $m, digest: $d, size: $s}' >"$w/target.json"
    "$PYTHON" "$LIB/cosign_sign.py" notation "$STATE/keys" "$w/target.json" >"$envelope" || die "notation signing failed"
  fi
  digest=$(blob_push "$1" "$envelope")
  layer=$(jq -cn --arg d "$digest" --argjson s "$(size_of "$envelope")" \
    '{mediaType: "application/jose+json", size: $s, digest: $d}')
  thumbprints=$(jq -r '.header.x5c[]' "$envelope" | while read -r der; do
    base64 -d <<<"$der" | sha256sum | cut -d' ' -f1; done | jq -Rsc 'split("\n") | map(select(. != "")) | tostring')
  push_referrer "$1" "$2" "$3" "$4" application/vnd.cncf.notary.signature "$layer" \
    "$(jq -cn --arg t "$thumbprints" '{"io.cncf.notary.x509chain.thumbprint#S256": $t}')"
}

# demo/notation: busybox's amd64 and arm64 images, the first signed with notation (its CA's
# certificate in $STATE/keys/notation-ca.crt), the second carrying notation-go's real test
# signature of another artifact (notaryproject/notation-go
# verifier/testdata/timestamp/sigEnv/withoutTimestamp.sig, Apache-2.0): the wrong image.
push_notation() { # busybox-oci-index-file
  local repo=demo/notation index=$1 amd64 arm64
  amd64=$(index_child "$index" amd64)
  arm64=$(index_child "$index" arm64)
  copy_manifest_tree demo/busybox "$repo" "$amd64"
  copy_manifest_tree demo/busybox "$repo" "$arm64"
  tag_manifest "$repo" "$amd64" signed
  tag_manifest "$repo" "$arm64" copied
  notation_push_referrer "$repo" "$amd64" application/vnd.oci.image.manifest.v1+json "$(index_entry_size "$index" "$amd64")"
  notation_push_referrer "$repo" "$arm64" application/vnd.oci.image.manifest.v1+json "$(index_entry_size "$index" "$arm64")" \
    "$FATHOM_ROOT/tests/data/signatures/notation/notation-go.without-timestamp.jws.json"
}

# Tags a manifest the repository already holds.
tag_manifest() { # repo digest tag
  local file=$STATE/scratch/cosign/tagged.json media
  media=$(manifest_get "$1" "$2" "$file")
  manifest_put "$1" "$3" "$file" "$media"
}

# demo/signed: the busybox OCI index and its images, signed and tampered with.
#   latest              the index: signed with the P-256, Ed25519 and RSA keys (.sig tag); its
#                       linux/amd64 image signed with the P-256 key as a referrer
#   tampered-payload    linux/arm64/v8: its payload edited after signing (the layer re-pointed)
#   wrong-digest        linux/386: a valid signature of a payload naming linux/ppc64le
#   copied-signature    linux/s390x: its .sig a copy of the index's (signatures of another image)
#   unsigned            linux/mips64le: no signature
push_signed() { # busybox-oci-index-file
  local repo=demo/signed index=$1 digest w=$STATE/scratch/cosign
  mkdir -p "$w"
  "$PYTHON" "$LIB/cosign_sign.py" keys "$STATE/keys" || die "making the demo signing keys failed"
  digest=$(sha256_of "$index")
  copy_manifest_tree demo/busybox "$repo" "$digest"
  tag_manifest "$repo" "$digest" latest
  child() { index_child "$index" "$1"; }
  cosign_push_tag "$repo" "$digest" \
    "$(cosign_signed_layer "$repo" "$digest" p256)" \
    "$(cosign_signed_layer "$repo" "$digest" ed25519 '{"signed-by": "the demo registry build"}')" \
    "$(cosign_signed_layer "$repo" "$digest" rsa)"
  cp "$w/sig.json" "$w/index.sig.json"
  cosign_push_referrer "$repo" "$(child amd64)" application/vnd.oci.image.manifest.v1+json \
    "$(index_entry_size "$index" "$(child amd64)")" \
    "$(cosign_signed_layer "$repo" "$(child amd64)" p256)"

  local arm64 edited signature
  arm64=$(child arm64)
  tag_manifest "$repo" "$arm64" tampered-payload
  cosign_payload "$w/arm64.json" "$arm64"
  signature=$("$PYTHON" "$LIB/cosign_sign.py" sign "$STATE/keys" p256 "$w/arm64.json")
  edited=$w/arm64-edited.json
  sed 's|"docker-reference":"[^"]*"|"docker-reference":"127.0.0.1:5555/demo/evil"|' "$w/arm64.json" >"$edited"
  cosign_push_tag "$repo" "$arm64" "$(cosign_layer "$repo" "$edited" "$signature")"

  tag_manifest "$repo" "$(child 386)" wrong-digest
  cosign_push_tag "$repo" "$(child 386)" "$(cosign_signed_layer "$repo" "$(child ppc64le)" p256)"

  tag_manifest "$repo" "$(child s390x)" copied-signature
  manifest_put "$repo" "sha256-$(child s390x | cut -d: -f2).sig" "$w/index.sig.json" \
    application/vnd.oci.image.manifest.v1+json

  tag_manifest "$repo" "$(child mips64le)" unsigned

  # cosign v3: a bundle referrer (arm/v7); a valid bundle of arm/v7 attached to arm/v5.
  local v7 v5
  v7=$(index_variant "$index" v7)
  v5=$(index_variant "$index" v5)
  tag_manifest "$repo" "$v7" bundle
  cosign_push_bundle "$repo" "$v7" application/vnd.oci.image.manifest.v1+json "$(index_entry_size "$index" "$v7")" p256
  tag_manifest "$repo" "$v5" bundle-copied
  cosign_push_bundle "$repo" "$v5" application/vnd.oci.image.manifest.v1+json "$(index_entry_size "$index" "$v5")" p256 "$v7"

  # cosign v2's `sign` and `attest`: ppc64le signed, and attested with SLSA provenance (the
  # predicate of BuildKit's documented v1 example).
  local ppc64le predicate=$w/slsa-v1-predicate.json
  ppc64le=$(child ppc64le)
  tag_manifest "$repo" "$ppc64le" attested
  cosign_push_tag "$repo" "$ppc64le" "$(cosign_signed_layer "$repo" "$ppc64le" p256)"
  jq -c .predicate "$FATHOM_ROOT/tests/data/attestations/buildkit-provenance-v1-max.buildkit-docs.json" >"$predicate"
  cosign_push_attestation "$repo" "$ppc64le" https://slsa.dev/provenance/v1 "$predicate" p256
}

# demo/keyless: busybox's images signed as `cosign sign` signs without a key (cosign v2's .sig
# tag): the signature, the Fulcio certificate and its chain, and Rekor's signed entry timestamp
# in the layer's annotations (sigstore/cosign `pkg/oci/static/options.go`) — made by the demo
# Sigstore (sigstore_demo.py), whose trusted root is $STATE/keys/trusted_root.json.
#   signed           linux/amd64: by the release workflow of github.com/fathom-demo/app
#   expired          linux/arm64/v8: by that workflow, logged after its certificate expired
#   other-identity   linux/386: by another repository's workflow
#   bundle           linux/arm/v7: by the release workflow as cosign v3 signs (its default bundle
#                    format): a Sigstore bundle referrer, a DSSE envelope of a sign/v1 statement
#                    logged as a `dsse` entry, with its inclusion proof and signed checkpoint
push_keyless() { # busybox-oci-index-file
  local repo=demo/keyless index=$1 w=$STATE/scratch/cosign case arch digest payload signed index_in_log=0
  "$PYTHON" "$LIB/sigstore_demo.py" root "$STATE/keys" || die "making the demo trusted root failed"
  for case in signed:amd64 expired:arm64 other-identity:386; do
    arch=${case#*:} case=${case%:*}
    digest=$(index_child "$index" "$arch")
    copy_manifest_tree demo/busybox "$repo" "$digest"
    tag_manifest "$repo" "$digest" "$case"
    payload=$w/keyless-$case.json
    COSIGN_REFERENCE=127.0.0.1:5555/$repo cosign_payload "$payload" "$digest"
    signed=$("$PYTHON" "$LIB/sigstore_demo.py" sign "$case" "$index_in_log" "$payload") || die "keyless signing failed"
    index_in_log=$((index_in_log + 1))
    cosign_push_tag "$repo" "$digest" "$(cosign_layer "$repo" "$payload" "$(jq -r .signature <<<"$signed")" |
      jq -c --argjson k "$signed" '.annotations += {"dev.sigstore.cosign/certificate": $k.certificate,
        "dev.sigstore.cosign/chain": $k.chain, "dev.sigstore.cosign/bundle": $k.bundle}')"
  done
  digest=$(index_variant "$index" v7)
  copy_manifest_tree demo/busybox "$repo" "$digest"
  tag_manifest "$repo" "$digest" bundle
  COSIGN_REFERENCE=127.0.0.1:5555/$repo sign_v1_statement "$w/keyless-statement.json" "$digest"
  "$PYTHON" "$LIB/sigstore_demo.py" statement-bundle signed "$index_in_log" "$w/keyless-statement.json" \
    >"$w/keyless-bundle.json" || die "keyless bundle signing failed"
  push_bundle_referrer "$repo" "$digest" application/vnd.oci.image.manifest.v1+json \
    "$(index_entry_size "$index" "$digest")" "$w/keyless-bundle.json"
}

# The image at repo:from (gzip layers) again as repo:to with each layer recompressed by Debian's
# zstd at level 3 (as buildkit and containerd compress when asked for zstd) or left a plain tar;
# the config, hence every diff_id, stays. buildah 1.28 cannot push this itself: asked for zstd,
# it reuses the gzip blobs the registry already has.
push_recompressed() { # repo from-tag to-tag zstd|tar
  local repo=$1 w=$STATE/scratch/recompressed-$4 digest blob media pushed i=0 layers=()
  mkdir -p "$w"
  manifest_get "$repo" "$2" "$w/from.json" >/dev/null
  for digest in $(jq -r '.layers[].digest' "$w/from.json"); do
    blob=$w/layer-$i
    curl -fsS -o "$blob.gz" "$(v2)/$repo/blobs/$digest" || die "GET blob $repo@$digest failed"
    case $4 in
      zstd)
        gzip -dc "$blob.gz" | zstd -q -3 -c >"$blob"
        media=application/vnd.oci.image.layer.v1.tar+zstd
        ;;
      tar)
        gzip -dc "$blob.gz" >"$blob"
        media=application/vnd.oci.image.layer.v1.tar
        ;;
    esac
    pushed=$(blob_push "$repo" "$blob")
    layers+=("$(jq -cn --arg m "$media" --arg d "$pushed" --argjson s "$(size_of "$blob")" \
      '{mediaType: $m, digest: $d, size: $s}')")
    i=$((i + 1))
  done
  jq -c --argjson layers "$(printf '%s\n' "${layers[@]}" | jq -cs .)" '.layers = $layers' \
    "$w/from.json" >"$w/to.json"
  manifest_put "$repo" "$3" "$w/to.json" application/vnd.oci.image.manifest.v1+json
}

# ---------------------------------------------------------------------------------------------------

# Builds everything and pushes it to the registry at $REG (host:port, no auth).
build_and_push_all() {
  local arch flags
  # A fresh private store each time: nothing stale can leak into the images.
  rm -rf "$STATE/buildah" "$STATE/scratch"
  mkdir -p "$STATE/buildah" "$STATE/scratch" "$STATE/tmp"

  fetch_busybox_debs
  log "building busybox images for ${#BUSYBOX_ARCHES[@]} architectures"
  bah manifest create "$LOCAL/busybox-all" >/dev/null
  for arch in "${BUSYBOX_ARCHES[@]}"; do
    extract_rootfs "$arch"
    build_busybox "$arch"
    flags=$(platform_flags "$arch")
    # shellcheck disable=SC2086
    bah manifest add $flags "$LOCAL/busybox-all" "containers-storage:$LOCAL/busybox:$arch" >/dev/null
  done

  log "building demo/app and demo/layers on top of busybox"
  for arch in amd64 arm64; do
    build_on_top "$arch" "$LOCAL/busybox:$arch" "$LOCAL/app:8-$arch" /app/message.txt \
      "hello from demo/app on linux/${OCI_ARCH[$arch]}" org.opencontainers.image.title=demo-app
  done
  build_on_top amd64 "$LOCAL/busybox:amd64" "$LOCAL/layers:base" /etc/fathom/base.txt \
    "base layer" org.opencontainers.image.title=demo-layers-base
  build_on_top amd64 "$LOCAL/layers:base" "$LOCAL/layers:extended" /etc/fathom/extended.txt \
    "extended layer" org.opencontainers.image.title=demo-layers-extended

  log "building demo/debian from Debian packages"
  fetch_debian_debs
  build_debian

  log "pushing to $REG"
  push_list busybox-all oci demo/busybox:oci
  push_list busybox-all v2s2 demo/busybox:docker
  push_image busybox:amd64 oci demo/busybox:amd64-oci
  push_image busybox:amd64 v2s2 demo/busybox:amd64-docker
  push_image app:8-amd64 oci demo/app:8-amd64
  push_image app:8-arm64 oci demo/app:8-arm64
  # demo/layers in Docker v2s2: the same gzip layers are then shared across both formats.
  push_image layers:base v2s2 demo/layers:base
  push_image layers:extended v2s2 demo/layers:extended
  push_image debian:trimmed oci demo/debian:gzip

  log "pushing hand-written manifests (nested index, attestation, artifact + referrers tag)"
  local index index_size amd64 amd64_size
  manifest_get demo/busybox oci "$STATE/scratch/busybox-oci.json" >/dev/null
  index=$(sha256_of "$STATE/scratch/busybox-oci.json")
  index_size=$(size_of "$STATE/scratch/busybox-oci.json")
  amd64=$(jq -r '.manifests[] | select(.platform.architecture=="amd64") | .digest' "$STATE/scratch/busybox-oci.json")
  amd64_size=$(jq -r '.manifests[] | select(.platform.architecture=="amd64") | .size' "$STATE/scratch/busybox-oci.json")
  push_nested "$index" "$index_size" "$amd64" "$amd64_size"
  push_attested "$amd64" "$amd64_size"
  push_artifact "$index" "$index_size"

  log "signing demo/signed as cosign does, demo/notation as notation does (keys made under $STATE/keys)"
  push_signed "$STATE/scratch/busybox-oci.json"
  push_notation "$STATE/scratch/busybox-oci.json"
  push_keyless "$STATE/scratch/busybox-oci.json"

  log "pushing demo/debian with zstd and with uncompressed layers"
  push_recompressed demo/debian gzip zstd zstd
  push_recompressed demo/debian gzip tar tar
}
