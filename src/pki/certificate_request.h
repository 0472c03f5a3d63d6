// A PKCS#10 certificate request (CSR): made on the device, next to the private key that never
// leaves it, and signed by the CA with pki::sign_certificate_request (pki/ca_directory.h).
// Parsed but not trusted: check_signature() proves only that the requester holds the key.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "common/result.h"
#include "crypto/keys.h"

struct X509_req_st;  // OpenSSL's X509_REQ

namespace sc::pki {

class CertificateRequest {
  public:
    // Exactly one PEM "CERTIFICATE REQUEST".
    static Result<CertificateRequest> from_pem(std::string_view pem);
    // A request for `username`'s device `device_name` ("" for the default device, which puts
    // no device URI in), signed with `key`. Both names must already be valid.
    static Result<CertificateRequest> create(const crypto::PrivateKey& key,
                                             const std::string& username,
                                             const std::string& device_name);

    CertificateRequest(CertificateRequest&& other) noexcept;
    CertificateRequest& operator=(CertificateRequest&& other) noexcept;
    CertificateRequest(const CertificateRequest&) = delete;
    CertificateRequest& operator=(const CertificateRequest&) = delete;
    ~CertificateRequest();

    std::string to_pem() const;
    std::string subject() const;  // RFC 2253, escaped to ASCII as Certificate::subject()
    Result<crypto::PublicKey> public_key() const;  // fails when the key does not decode
    // The request's own signature, under its own key (X509_REQ_verify).
    Status check_signature() const;

    X509_req_st* native() const noexcept { return request_; }  // for src/pki only

  private:
    explicit CertificateRequest(X509_req_st* request) noexcept : request_(request) {}
    X509_req_st* request_ = nullptr;
};

// `pki request`: a new key and a CSR for it, on the device. The key is written 0600 and never
// replaces a file; the CSR (0644) goes beside wherever the caller wants it. Missing parent
// directories are created 0700 (they will hold a private key).
struct DeviceRequest {
    std::string username;
    std::string device_name;  // "" or "default": the user's default device
    crypto::KeyType key_type = crypto::KeyType::ed25519;
    std::filesystem::path key_file;
    std::filesystem::path csr_file;
};
Result<CertificateRequest> write_device_request(const DeviceRequest& request);

}  // namespace sc::pki
