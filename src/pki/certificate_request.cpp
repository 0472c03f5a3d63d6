#include "pki/certificate_request.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <sys/stat.h>

#include <cerrno>
#include <utility>

#include "common/files.h"
#include "common/usernames.h"
#include "crypto/ossl.h"
#include "pki/user_identity.h"

namespace sc::pki {
namespace ossl = crypto::ossl;
namespace {

void free_extensions(STACK_OF(X509_EXTENSION) * extensions) {
    sk_X509_EXTENSION_pop_free(extensions, X509_EXTENSION_free);
}
using ExtensionsPtr = std::unique_ptr<STACK_OF(X509_EXTENSION), FreeWith<free_extensions>>;

// As certificates (pki/authority.cpp): Ed25519 signs the message itself, the others SHA-256.
const EVP_MD* request_digest(EVP_PKEY* key) {
    int id = EVP_PKEY_get_base_id(key);
    return (id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448) ? nullptr : EVP_sha256();
}

Status add_device_name(X509_REQ* request, const std::string& device_name) {
    ExtensionsPtr extensions(sk_X509_EXTENSION_new_null());
    std::string value = device_san(device_name);
    ossl::X509ExtPtr san(
        X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, value.c_str()));
    if (!extensions || !san || sk_X509_EXTENSION_push(extensions.get(), san.get()) == 0) {
        return fail(ossl::error("cannot encode the device name"));
    }
    san.release();  // owned by the stack now
    if (X509_REQ_add_extensions(request, extensions.get()) != 1) {
        return fail(ossl::error("cannot add the device name to the request"));
    }
    return {};
}

// Creates what is missing of `dir`, each new level 0700; existing directories are left as
// they are (the user's own home, a shared parent).
Status make_missing_dirs(const std::filesystem::path& dir) {
    std::filesystem::path built;
    for (const auto& part : dir) {
        built /= part;
        if (::mkdir(built.c_str(), 0700) != 0 && errno != EEXIST) {
            return fail("cannot create directory " + built.string() + ": " + errno_text(errno));
        }
    }
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
        return fail(dir.string() + " is not a directory");
    }
    return {};
}

}  // namespace

Result<CertificateRequest> write_device_request(const DeviceRequest& request) {
    if (auto problem = username_problem(request.username)) {
        return fail("'" + request.username + "' cannot name a user: " + *problem);
    }
    std::string device =
        request.device_name == kDefaultDeviceName ? std::string() : request.device_name;
    if (!device.empty()) {
        if (auto problem = device_name_problem(device)) {
            return fail("'" + device + "': " + *problem);
        }
    }
    for (const auto& file : {request.key_file, request.csr_file}) {
        std::error_code ec;
        if (std::filesystem::exists(file, ec)) {
            return fail(file.string() + " already exists; refusing to overwrite it");
        }
        SC_TRY(make_missing_dirs(file.parent_path().empty() ? "." : file.parent_path()));
    }
    SC_TRY_ASSIGN(auto key, crypto::PrivateKey::generate(request.key_type));
    SC_TRY_ASSIGN(auto csr, CertificateRequest::create(key, request.username, device));
    SC_TRY_ASSIGN(auto key_pem, key.to_pem());
    SC_TRY(write_file_atomically(request.key_file, key_pem.reveal(crypto::SecretAccess{}),
                                 FileMode::private_0600, Replace::no));
    const std::string csr_pem = csr.to_pem();
    auto written = write_file_atomically(request.csr_file, as_bytes(csr_pem), FileMode::public_0644,
                                         Replace::no);
    if (!written) {
        std::error_code ec;
        std::filesystem::remove(request.key_file, ec);  // no key without its request
        return fail(std::move(written).error());
    }
    return csr;
}

Result<CertificateRequest> CertificateRequest::from_pem(std::string_view pem) {
    auto bio = ossl::memory_reader(pem);
    ossl::clear_errors();
    X509_REQ* request = PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr);
    if (request == nullptr) {
        return fail(ossl::error("not a PEM certificate request"));
    }
    CertificateRequest out(request);
    // A second request after the first would be ignored silently; say so instead.
    X509_REQ* extra = PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr);
    ossl::clear_errors();
    if (extra != nullptr) {
        X509_REQ_free(extra);
        return fail("the file holds more than one certificate request");
    }
    return out;
}

Result<CertificateRequest> CertificateRequest::create(const crypto::PrivateKey& key,
                                                      const std::string& username,
                                                      const std::string& device_name) {
    X509_REQ* raw = X509_REQ_new();
    if (raw == nullptr) {
        return fail(ossl::error("cannot create certificate request"));
    }
    CertificateRequest out(raw);
    X509_NAME* subject = X509_REQ_get_subject_name(raw);
    if (X509_REQ_set_version(raw, X509_REQ_VERSION_1) != 1 ||
        X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(username.c_str()), -1, -1,
                                   0) != 1 ||
        X509_REQ_set_pubkey(raw, key.native()) != 1) {
        return fail(ossl::error("cannot fill in certificate request"));
    }
    if (!device_name.empty()) {
        SC_TRY(add_device_name(raw, device_name));
    }
    if (X509_REQ_sign(raw, key.native(), request_digest(key.native())) <= 0) {
        return fail(ossl::error("cannot sign certificate request"));
    }
    return out;
}

CertificateRequest::CertificateRequest(CertificateRequest&& other) noexcept
    : request_(std::exchange(other.request_, nullptr)) {}

CertificateRequest& CertificateRequest::operator=(CertificateRequest&& other) noexcept {
    if (this != &other) {
        X509_REQ_free(request_);
        request_ = std::exchange(other.request_, nullptr);
    }
    return *this;
}

CertificateRequest::~CertificateRequest() {
    X509_REQ_free(request_);
}

std::string CertificateRequest::to_pem() const {
    ossl::BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509_REQ(bio.get(), request_) != 1) {
        return {};
    }
    return ossl::bio_text(bio.get());
}

std::string CertificateRequest::subject() const {
    ossl::BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || X509_NAME_print_ex(bio.get(), X509_REQ_get_subject_name(request_), 0,
                                   XN_FLAG_RFC2253) < 0) {
        ossl::clear_errors();
        return {};
    }
    return ossl::bio_text(bio.get());
}

Result<crypto::PublicKey> CertificateRequest::public_key() const {
    EVP_PKEY* key = X509_REQ_get0_pubkey(request_);
    if (key == nullptr) {
        return fail(ossl::error("the request's public key cannot be decoded"));
    }
    return crypto::PublicKey::adopt(key);
}

Status CertificateRequest::check_signature() const {
    EVP_PKEY* key = X509_REQ_get0_pubkey(request_);
    ossl::clear_errors();
    if (key == nullptr || X509_REQ_verify(request_, key) != 1) {
        ossl::clear_errors();
        return fail(
            "the request's own signature does not verify: it was changed after it was signed, "
            "or it was not signed with the key it carries");
    }
    // The signature proves the requester holds the key; with a broken hash it proves nothing
    // (the rule verification applies to certificates, docs/PKI.md).
    int digest = NID_undef;
    int algorithm = NID_undef;
    if (OBJ_find_sigid_algs(X509_REQ_get_signature_nid(request_), &digest, &algorithm) == 1 &&
        (digest == NID_sha1 || digest == NID_md5 || digest == NID_md4)) {
        return fail(std::string("the request is signed with ") + OBJ_nid2sn(digest) +
                    ", which proves nothing; sign it with SHA-256");
    }
    return {};
}

}  // namespace sc::pki
