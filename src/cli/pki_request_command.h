// `securechat pki request` (on the device: a key that stays there, and a CSR) and
// `securechat pki sign` (at the CA: a client certificate for that CSR).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace sc::cli {

void add_pki_request(CLI::App& pki, std::function<int()>& action);
void add_pki_sign(CLI::App& pki, std::function<int()>& action);

}  // namespace sc::cli
