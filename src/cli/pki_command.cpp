#include "cli/pki_command.h"

#include <algorithm>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "cli/pki_request_command.h"
#include "common/display_text.h"
#include "crypto/keys.h"
#include "pki/ca_directory.h"
#include "pki/user_identity.h"
#include "pki/verify.h"

namespace sc::cli {
namespace {

std::string key_type_list() {
    std::string out;
    for (auto type : crypto::all_key_types()) {
        out += (out.empty() ? "" : "|") + std::string(crypto::key_type_name(type));
    }
    return out;
}

// Certificates and CRLs come from anywhere: every text taken from one (names, and the error
// texts that quote them) is printed through display_text (M1).
int report_error(const std::string& message) {
    std::cerr << "securechat pki: error: " << display_text(message) << "\n";
    return kExitFailure;
}

// CLI11 validator for --key, so a wrong type is a usage error that lists the choices.
CLI::Validator key_type_validator() {
    return CLI::Validator(
        [](std::string& value) -> std::string {
            return crypto::parse_key_type(value)
                       ? ""
                       : "unknown key type '" + value + "' (use " + key_type_list() + ")";
        },
        key_type_list());
}

std::string join(const std::vector<std::string>& items, const std::string& sep = ", ") {
    std::string out;
    for (const auto& item : items) {
        out += (out.empty() ? "" : sep) + display_text(item);
    }
    return out.empty() ? "(none)" : out;
}

void print_certificate(const pki::Certificate& cert) {
    auto key = cert.public_key().describe();
    std::cout << "Subject:         " << display_text(cert.subject()) << "\n"
              << "Issuer:          " << display_text(cert.issuer()) << "\n"
              << "Serial:          " << cert.serial_hex() << "\n"
              << "Valid from:      " << pki::format_utc(cert.not_before()) << "\n"
              << "Valid until:     " << pki::format_utc(cert.not_after()) << "\n"
              << "Key:             " << display_text(key.text()) << "\n"
              << "Signature:       " << display_text(cert.signature_algorithm()) << "\n"
              << "SHA-256:         " << cert.fingerprint_text() << "\n"
              << "CA:              " << (cert.is_ca() ? "yes" : "no") << "\n"
              << "Key usage:       " << join(cert.key_usages()) << "\n"
              << "Ext. key usage:  " << join(cert.extended_key_usages()) << "\n"
              << "Alt. names:      " << join(cert.subject_alt_names()) << "\n";
    auto ekus = cert.extended_key_usages();
    if (std::find(ekus.begin(), ekus.end(), "clientAuth") != ekus.end()) {
        auto identity = pki::user_identity(cert);
        std::cout << "User, device:    "
                  << (identity ? display_text(identity->username) + ", " +
                                     display_text(identity->device_name) +
                                     " (device id: the SHA-256 above)"
                               : "none: " + display_text(identity.error().message))
                  << "\n";
    }
}

void add_init(CLI::App& pki, std::function<int()>& action) {
    auto req = std::make_shared<pki::InitRequest>();
    auto key = std::make_shared<std::string>("ed25519");
    auto* cmd = pki.add_subcommand(
        "init",
        "Create a new root CA in DIR (ca.key 0600, ca.crt), or with --parent an intermediate");
    cmd->add_option("--dir", req->dir, "CA directory (created 0700 if missing)")->required();
    cmd->add_option("--name", req->name, "CA common name, e.g. \"SecureChat CA\"")->required();
    cmd->add_option("--parent", req->parent,
                    "Directory of the root CA that signs this one: makes an intermediate CA, "
                    "whose leaves are written with it; peers keep trusting the root alone");
    cmd->add_option("--key", *key, "Key type")->check(key_type_validator())->capture_default_str();
    cmd->add_option("--days", req->days, "Validity in days")->capture_default_str();
    cmd->callback([req, key, &action] {
        action = [req, key] {
            req->key_type = *crypto::parse_key_type(*key);
            auto cert = pki::init_ca(*req);
            if (!cert) {
                return report_error(cert.error().message);
            }
            pki::CaLayout layout(req->dir);
            std::cout << "Created " << (req->parent.empty() ? "" : "intermediate ") << "CA '"
                      << req->name << "' in " << req->dir.string() << "\n"
                      << (req->parent.empty()
                              ? ""
                              : "  issued by:   " + display_text(cert->issuer()) + " (" +
                                    req->parent.string() + "; give its ca.crt to peers as --ca)\n")
                      << "  key:         " << layout.key.string() << " ("
                      << cert->public_key().describe().text() << ", mode 0600)\n"
                      << "  certificate: " << layout.cert.string() << "\n"
                      << "  valid until: " << pki::format_utc(cert->not_after()) << "\n"
                      << "  SHA-256:     " << cert->fingerprint_text() << "\n";
            return kExitOk;
        };
    });
}

void add_issue(CLI::App& pki, std::function<int()>& action) {
    auto req = std::make_shared<pki::IssueRequest>();
    auto key = std::make_shared<std::string>("ed25519");
    auto server = std::make_shared<bool>(false);
    auto client = std::make_shared<bool>(false);
    auto* cmd =
        pki.add_subcommand("issue", "Issue a server or client certificate (NAME.key, NAME.crt)");
    cmd->add_option("--dir", req->dir, "CA directory")->required();
    auto* s = cmd->add_flag("--server", *server, "Server certificate (EKU serverAuth)");
    auto* c = cmd->add_flag("--client", *client, "Client certificate (EKU clientAuth)");
    s->excludes(c);
    cmd->add_option("name", req->name,
                    "Name: the CN, the first subjectAltName and the file name (for --client, "
                    "the username)")
        ->required();
    auto* device = cmd->add_option("--device", req->device_name,
                                   "For --client: a further device of the user (USER@DEVICE.crt)");
    cmd->add_option("--san", req->extra_sans, "Extra subjectAltName: DNS:<name> or IP:<address>");
    cmd->add_option("--key", *key, "Key type")->check(key_type_validator())->capture_default_str();
    cmd->add_option("--days", req->days, "Validity in days")->capture_default_str();
    cmd->callback([=, &action] {
        if (!*server && !*client) {
            throw CLI::ValidationError("pki issue", "say --server or --client");
        }
        if (*server && device->count() != 0) {
            throw CLI::ValidationError("pki issue", "--device is for --client certificates");
        }
        action = [=] {
            req->key_type = *crypto::parse_key_type(*key);
            req->profile = *server ? pki::Profile::server : pki::Profile::client;
            auto issued = pki::issue_certificate(*req);
            if (!issued) {
                return report_error(issued.error().message);
            }
            const auto& cert = issued->certificate;
            std::cout << "Issued " << (*server ? "server" : "client") << " certificate '"
                      << req->name << "'"
                      << (req->device_name.empty() ? "" : ", device '" + req->device_name + "'")
                      << "\n"
                      << "  key:         " << issued->key_file.string() << " ("
                      << cert.public_key().describe().text() << ", mode 0600)\n"
                      << "  certificate: " << issued->cert_file.string() << "\n"
                      << "  serial:      " << cert.serial_hex() << "\n"
                      << "  names:       " << join(cert.subject_alt_names()) << "\n"
                      << (*client ? "  device id:   " + cert.fingerprint_text() + "\n" : "")
                      << "  valid until: " << pki::format_utc(cert.not_after())
                      << (issued->shortened_to_ca_expiry ? " (shortened: the CA expires then)" : "")
                      << "\n";
            return kExitOk;
        };
    });
}

void add_revoke(CLI::App& pki, std::function<int()>& action) {
    auto dir = std::make_shared<std::filesystem::path>();
    auto file = std::make_shared<std::filesystem::path>();
    auto* cmd = pki.add_subcommand("revoke", "Mark a certificate revoked in the CA's index");
    cmd->add_option("--dir", *dir, "CA directory")->required();
    cmd->add_option("cert", *file, "Certificate file to revoke")->required();
    cmd->callback([=, &action] {
        action = [=] {
            auto revoked = pki::revoke_certificate(*dir, *file);
            if (!revoked) {
                return report_error(revoked.error().message);
            }
            std::cout << (revoked->already_revoked ? "Already revoked: " : "Revoked: ")
                      << display_text(revoked->certificate.subject()) << " (serial "
                      << revoked->certificate.serial_hex() << ")\n"
                      << "Publish the change with: securechat pki crl --dir " << dir->string()
                      << "\n";
            return kExitOk;
        };
    });
}

void add_crl(CLI::App& pki, std::function<int()>& action) {
    auto req = std::make_shared<pki::CrlRequest>();
    auto* cmd = pki.add_subcommand("crl", "Write DIR/ca.crl, signed by the CA");
    cmd->add_option("--dir", req->dir, "CA directory")->required();
    cmd->add_option("--days", req->days, "Days until the next update is due")
        ->capture_default_str();
    cmd->callback([=, &action] {
        action = [=] {
            auto crl = pki::publish_crl(*req);
            if (!crl) {
                return report_error(crl.error().message);
            }
            std::cout << "Wrote " << crl->file.string() << ": CRL number " << crl->number << ", "
                      << crl->revoked << " revoked, next update due "
                      << pki::format_utc(crl->next_update) << "\n";
            return kExitOk;
        };
    });
}

void add_show(CLI::App& pki, std::function<int()>& action) {
    auto file = std::make_shared<std::filesystem::path>();
    auto* cmd = pki.add_subcommand("show", "Print a certificate's fields");
    cmd->add_option("cert", *file, "Certificate file (PEM)")->required();
    cmd->callback([=, &action] {
        action = [=] {
            auto chain = pki::load_certificate_chain(*file);
            if (!chain) {
                return report_error(chain.error().message);
            }
            for (std::size_t i = 0; i < chain->size(); ++i) {
                if (i != 0) {
                    std::cout << "\n";
                }
                print_certificate((*chain)[i]);
            }
            return kExitOk;
        };
    });
}

struct VerifyArgs {
    std::filesystem::path ca, cert;
    std::vector<std::filesystem::path> crls;
    std::string name, purpose;
    int skew_seconds = 300;
    bool allow_legacy_seed_certs = false;
};

int run_verify(const VerifyArgs& args) {
    auto anchors = pki::load_certificate_chain(args.ca);
    if (!anchors) {
        return report_error(anchors.error().message);
    }
    pki::VerifyPolicy policy(anchors->front());
    auto crls = pki::load_crls(args.crls);
    if (!crls) {
        return report_error(crls.error().message);
    }
    policy.crls = std::move(crls).value();
    policy.expected_name = args.name;
    policy.purpose = args.purpose == "server" ? pki::Purpose::server : pki::Purpose::client;
    policy.clock_skew = std::chrono::seconds(args.skew_seconds);
    policy.allow_legacy_seed_certs = args.allow_legacy_seed_certs;
    auto chain = pki::load_certificate_chain(args.cert);
    if (!chain) {
        pki::CertFailure failure{pki::CertError::malformed, chain.error().message};
        std::cout << "FAIL " << display_text(failure.message()) << "\n";
        return kExitFailure;
    }
    auto verified = pki::verify_certificate(*chain, policy);
    if (!verified) {
        std::cout << "FAIL " << display_text(verified.error().message()) << "\n";
        return kExitFailure;
    }
    std::cout << "OK\n";
    return kExitOk;
}

void add_verify(CLI::App& pki, std::function<int()>& action) {
    auto args = std::make_shared<VerifyArgs>();
    auto* cmd =
        pki.add_subcommand("verify", "Check a certificate against the CA, as the handshake does");
    cmd->add_option("--ca", args->ca, "Trusted CA certificate (the only trust anchor)")->required();
    cmd->add_option("--crl", args->crls,
                    "CRL to check revocation against (repeat it: with intermediates, one per CA)");
    cmd->add_option("--name", args->name, "Expected name (DNS name or IP address)")->required();
    cmd->add_option("--purpose", args->purpose, "server or client")
        ->required()
        ->check(CLI::IsMember({"server", "client"}));
    cmd->add_option("--skew", args->skew_seconds, "Clock skew allowed, in seconds")
        ->capture_default_str()
        ->check(CLI::Range(0, 86400));
    cmd->add_flag("--allow-legacy-seed-certs", args->allow_legacy_seed_certs,
                  "Accept leaves without extendedKeyUsage (the seeds' hand-made certificates)");
    cmd->add_option("cert", args->cert, "Certificate file (PEM; leaf first, then intermediates)")
        ->required();
    cmd->callback([=, &action] { action = [=] { return run_verify(*args); }; });
}

}  // namespace

void add_pki_command(CLI::App& app, std::function<int()>& action) {
    auto* pki = app.add_subcommand("pki", "Run the SecureChat certificate authority");
    pki->require_subcommand(1);
    add_init(*pki, action);
    add_issue(*pki, action);
    add_pki_request(*pki, action);
    add_pki_sign(*pki, action);
    add_revoke(*pki, action);
    add_crl(*pki, action);
    add_show(*pki, action);
    add_verify(*pki, action);
}

}  // namespace sc::cli
