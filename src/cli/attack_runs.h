// The runners of `securechat attack`'s subcommands (attack_command.cpp registers them): each
// prints what it did and returns the exit code, 0 only when every attempt was stopped.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace sc::cli {

struct FloodArgs {
    std::string server;
    std::vector<std::string> kinds;
    std::size_t connections = 200;
    unsigned patience_s = 20;
};

// What the attacks of a client with a certificate need: where, as whom, and its files.
struct SessionArgs {
    std::string server;
    std::string server_name = "server";
    std::filesystem::path ca, cert, key, password_file;
    std::string user;
    std::string victim;                          // impersonate
    std::filesystem::path victim_password_file;  // impersonate as-victim
    std::vector<std::string> kinds;              // tamper, impersonate
    std::size_t attempts = 8;                    // guess
    unsigned patience_s = 30;                    // guess
};

struct BadCertArgs {
    std::string server;
    std::string server_name = "server";
    std::filesystem::path ca, ca_dir, password_file, revoked_cert, revoked_key;
    std::string user;
    std::vector<std::string> kinds;
};

struct MitmArgs {
    std::string server;
    std::string kind;
    unsigned patience_s = 30;
};

struct HostileArgs {
    std::string kind;
    std::string name = "server";
    std::filesystem::path ca, ca_dir;
    std::filesystem::path peer_cert, peer_key;  // the friend's device, for the relay kinds
    std::filesystem::path client_data;          // the client's data directory (its warnings)
    std::filesystem::path client_output;        // the file its line-mode output goes to
    unsigned patience_s = 30;
};

int run_flood(const FloodArgs& args);
// `name`: replay, tamper, reorder, reflect, impersonate or guess.
int run_session_attack(const std::string& name, const SessionArgs& args);
int run_bad_cert(const BadCertArgs& args);
int run_mitm(const MitmArgs& args);
int run_hostile_server(const HostileArgs& args);

// The kinds' names, comma-separated, for help texts and errors.
std::string flood_names();
std::string tamper_names();
std::string impersonate_names();
std::string bad_cert_names();

}  // namespace sc::cli
