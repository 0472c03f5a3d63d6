// The operator's CA directory, the state behind `securechat pki`:
//   ca.key (0600)  ca.crt  index.txt  crlnumber  ca.crl  NAME.key (0600)  NAME.crt  .lock
// A client's further devices are USER@DEVICE.key/.crt: '@' is in no name check_entity_name
// accepts, so they cannot collide with a server's or another user's files.
// Every operation holds the directory lock and writes each file atomically (temp + rename).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "common/result.h"
#include "crypto/keys.h"
#include "pki/authority.h"
#include "pki/certificate.h"
#include "pki/time_text.h"

namespace sc::pki {

struct CaLayout {
    explicit CaLayout(std::filesystem::path directory);
    std::filesystem::path dir, key, cert, index, crl, crl_number;
    std::filesystem::path entity_key(const std::string& name) const;
    std::filesystem::path entity_cert(const std::string& name) const;
};

// The file name (without extension) of a client certificate: "alice", or "alice@laptop" for a
// named device (device_name empty: the default device).
std::string client_file_stem(const std::string& username, const std::string& device_name);

inline constexpr int kDefaultCaDays = 3650;
inline constexpr int kDefaultCertDays = 365;
inline constexpr int kDefaultCrlDays = 7;
inline constexpr int kMaxDays = 36500;
// Certificates start a little in the past, so a peer whose clock is slightly behind accepts them.
inline constexpr std::chrono::minutes kBackdate{5};

struct InitRequest {
    std::filesystem::path dir{};
    std::string name{};
    // Empty: a new root CA. Otherwise the directory of the root CA that signs this one, an
    // intermediate CA (pathlen 0, recorded in the root's index, so the root can revoke it).
    // The leaves an intermediate issues are written with it (NAME.crt holds the leaf, then the
    // intermediate), so that a server or client presents the chain; peers trust the root alone.
    std::filesystem::path parent{};
    crypto::KeyType key_type = crypto::KeyType::ed25519;
    int days = kDefaultCaDays;
    TimePoint now = std::chrono::system_clock::now();
};
Result<Certificate> init_ca(const InitRequest& request);

struct IssueRequest {
    std::filesystem::path dir{};
    Profile profile = Profile::server;  // server or client
    std::string name{};
    std::vector<std::string> extra_sans{};  // as typed: "DNS:host", "IP:10.0.0.1"
    // Client certificates only: "" for the user's default device (name is the username).
    std::string device_name{};
    crypto::KeyType key_type = crypto::KeyType::ed25519;
    int days = kDefaultCertDays;
    TimePoint now = std::chrono::system_clock::now();
};
struct IssueResult {
    Certificate certificate;
    std::filesystem::path key_file{};
    std::filesystem::path cert_file{};
    bool shortened_to_ca_expiry = false;
};
Result<IssueResult> issue_certificate(const IssueRequest& request);

// `pki sign`: a client certificate for a CSR made on the device, so the key never leaves it.
// The request's own signature must verify, its key be one the protocol signs with
// (crypto::check_protocol_key) and its names follow pki/user_identity.h. The CA chooses every
// extension itself (the client profile, the SANs DNS:<user> and the device URI); nothing else
// the request asks for is copied. The certificate is written to the CA directory (as
// `issue` names it, never replacing a file) and to `out`, and recorded in the index.
struct SignRequest {
    std::filesystem::path dir{};
    std::filesystem::path csr_file{};
    std::filesystem::path out{};  // empty: the CSR's path with the extension ".crt"
    int days = kDefaultCertDays;
    TimePoint now = std::chrono::system_clock::now();
};
struct SignResult {
    Certificate certificate;
    std::string username;
    std::string device_name;
    std::filesystem::path ca_copy{};  // DIR/USER[@DEVICE].crt
    std::filesystem::path out{};
    bool shortened_to_ca_expiry = false;
};
Result<SignResult> sign_certificate_request(const SignRequest& request);

struct RevokeResult {
    Certificate certificate;
    bool already_revoked = false;
    std::string revoked_at{};  // index time string
};
Result<RevokeResult> revoke_certificate(const std::filesystem::path& dir,
                                        const std::filesystem::path& cert_file,
                                        TimePoint now = std::chrono::system_clock::now());

struct CrlRequest {
    std::filesystem::path dir{};
    int days = kDefaultCrlDays;
    TimePoint now = std::chrono::system_clock::now();
};
struct CrlResult {
    std::filesystem::path file{};
    int revoked = 0;
    std::uint64_t number = 0;
    TimePoint next_update{};
};
Result<CrlResult> publish_crl(const CrlRequest& request);

Result<CertificateAuthority> load_ca(const CaLayout& layout);

// Loads a PEM file of at most a few certificates.
Result<std::vector<Certificate>> load_certificate_chain(const std::filesystem::path& path);
Result<Crl> load_crl(const std::filesystem::path& path);
// Every CRL in a PEM file: one, or a bundle (`cat root/ca.crl sub/ca.crl`) for a PKI with
// intermediate CAs, where each CA of a path needs its CRL.
Result<std::vector<Crl>> load_crls(const std::filesystem::path& path);
// Every CRL of every file, in order (the command lines' repeated --crl).
Result<std::vector<Crl>> load_crls(const std::vector<std::filesystem::path>& paths);

}  // namespace sc::pki
