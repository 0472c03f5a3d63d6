#include "cli/pki_request_command.h"

#include <iostream>
#include <memory>
#include <string>

#include "cli/cli.h"
#include "client/client_profile.h"
#include "common/display_text.h"
#include "common/usernames.h"
#include "crypto/keys.h"
#include "pki/ca_directory.h"
#include "pki/certificate_request.h"
#include "pki/user_identity.h"

namespace sc::cli {
namespace {

namespace fs = std::filesystem;

int report_error(const std::string& message) {
    std::cerr << "securechat pki: error: " << display_text(message) << "\n";
    return kExitFailure;
}

struct RequestArgs {
    std::string username;
    std::string device;
    std::string key_type = "ed25519";
    fs::path out;
    std::string profile;
};

// Where the key and the CSR go, and where the certificate is expected when it comes back.
struct RequestPlace {
    fs::path key, csr, cert;
    std::string profile;  // set when a profile chose the place
};

Result<RequestPlace> place_for(const RequestArgs& args) {
    if (args.profile.empty()) {
        std::string stem = pki::client_file_stem(args.username, args.device);
        fs::path dir = fs::absolute(args.out);
        return RequestPlace{dir / (stem + ".key"), dir / (stem + ".csr"), dir / (stem + ".crt"),
                            ""};
    }
    SC_TRY_ASSIGN(auto file, client::default_profile_file());
    std::error_code ec;
    if (!fs::exists(file, ec)) {
        return fail("no client profile: " + file.string() + " does not exist; write a [profile." +
                    args.profile +
                    "] table with cert and key first (README, Profiles), or use --out DIR");
    }
    SC_TRY_ASSIGN(auto profile, client::load_profile(file, args.profile));
    if (!profile.values.key || !profile.values.cert) {
        return fail("profile '" + profile.name + "' in " + file.string() +
                    " must set both key and cert, so the request knows where they go");
    }
    fs::path csr = *profile.values.cert;
    csr.replace_extension(".csr");
    return RequestPlace{*profile.values.key, csr, *profile.values.cert, profile.name};
}

int run_request(const RequestArgs& args) {
    auto place = place_for(args);
    if (!place) {
        return report_error(place.error().message);
    }
    pki::DeviceRequest request{args.username, args.device, *crypto::parse_key_type(args.key_type),
                               place->key, place->csr};
    auto csr = pki::write_device_request(request);
    if (!csr) {
        return report_error(csr.error().message);
    }
    auto key = csr->public_key();
    std::string device = args.device.empty() ? std::string(kDefaultDeviceName) : args.device;
    std::cout << "Made a key and a certificate request for user '" << args.username << "', device '"
              << device << "'\n"
              << "  key:     " << place->key.string() << " ("
              << (key ? key->describe().text() : "?") << ", mode 0600; it never leaves here)\n"
              << "  request: " << place->csr.string() << "\n"
              << "Send the request to the CA operator, who signs it with:\n"
              << "  securechat pki sign --dir CA_DIR " << place->csr.filename().string() << "\n"
              << "Put the certificate that comes back at:\n"
              << "  " << place->cert.string() << "\n";
    if (!place->profile.empty()) {
        std::cout << "Then connect with: securechat chat --profile " << place->profile << "\n";
    }
    return kExitOk;
}

// As pki_command.cpp's --key: a wrong type is a usage error that lists the choices.
CLI::Validator key_type_validator() {
    std::string names;
    for (auto type : crypto::all_key_types()) {
        names += (names.empty() ? "" : "|") + std::string(crypto::key_type_name(type));
    }
    return CLI::Validator(
        [names](std::string& value) -> std::string {
            return crypto::parse_key_type(value)
                       ? ""
                       : "unknown key type '" + value + "' (use " + names + ")";
        },
        names);
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        out += (out.empty() ? "" : ", ") + display_text(item);
    }
    return out.empty() ? "(none)" : out;
}

}  // namespace

void add_pki_request(CLI::App& pki, std::function<int()>& action) {
    auto args = std::make_shared<RequestArgs>();
    auto* cmd = pki.add_subcommand(
        "request", "On the device: make a private key (0600) and a certificate request (CSR)");
    cmd->add_option("--client", args->username, "The username the certificate will name")
        ->required();
    cmd->add_option("--device", args->device,
                    "This device's name (default: the user's device \"default\")");
    cmd->add_option("--key", args->key_type, "Key type")
        ->check(key_type_validator())
        ->capture_default_str();
    auto* out = cmd->add_option("--out", args->out,
                                "Directory for USER[@DEVICE].key and .csr (created 0700)");
    auto* profile = cmd->add_option(
        "--profile", args->profile,
        "Write the key and CSR where this client profile's key and cert expect them");
    out->excludes(profile);
    cmd->callback([args, out, profile, &action] {
        if (out->count() == 0 && profile->count() == 0) {
            throw CLI::ValidationError("pki request", "say --out DIR or --profile NAME");
        }
        action = [args] { return run_request(*args); };
    });
}

void add_pki_sign(CLI::App& pki, std::function<int()>& action) {
    auto req = std::make_shared<pki::SignRequest>();
    auto* cmd = pki.add_subcommand(
        "sign", "Issue a client certificate for a CSR made on the device (pki request)");
    cmd->add_option("--dir", req->dir, "CA directory")->required();
    cmd->add_option("--days", req->days, "Validity in days")->capture_default_str();
    cmd->add_option("csr", req->csr_file, "The certificate request (PEM)")->required();
    cmd->add_option("--out", req->out, "Where to write the certificate (default: FILE.crt)");
    cmd->callback([req, &action] {
        action = [req] {
            auto signed_cert = pki::sign_certificate_request(*req);
            if (!signed_cert) {
                return report_error(signed_cert.error().message);
            }
            const auto& cert = signed_cert->certificate;
            std::cout << "Signed a client certificate for user '" << signed_cert->username
                      << "', device '" << signed_cert->device_name << "'\n"
                      << "  certificate: " << signed_cert->out.string() << "\n"
                      << "  CA copy:     " << signed_cert->ca_copy.string()
                      << " (in the index; revoke with: securechat pki revoke --dir "
                      << req->dir.string() << " " << signed_cert->ca_copy.string() << ")\n"
                      << "  serial:      " << cert.serial_hex() << "\n"
                      << "  names:       " << join(cert.subject_alt_names()) << "\n"
                      << "  device id:   " << pki::device_id(cert) << "\n"
                      << "  valid until: " << pki::format_utc(cert.not_after())
                      << (signed_cert->shortened_to_ca_expiry ? " (shortened: the CA expires then)"
                                                              : "")
                      << "\n"
                      << "Send " << signed_cert->out.filename().string()
                      << " back to the device; it goes where `pki request` said.\n";
            return kExitOk;
        };
    });
}

}  // namespace sc::cli
