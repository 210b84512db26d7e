// SPDX-License-Identifier: GPL-2.0-or-later
#include "domain/sasl_plugins.hxx"

#include <sasl/sasl.h>
#include <string_view>

namespace gpaudit::domain {

namespace {

// SASL_CB_VERIFYFILE: a plugin file is loaded only when this answers SASL_OK.
int verifyFile(void *, const char *file, sasl_verify_type_t type)
{
    if (type != SASL_VRFY_PLUGIN)
        return SASL_OK;
    std::string_view name(file != nullptr ? file : "");
    if (const auto slash = name.rfind('/'); slash != std::string_view::npos)
        name.remove_prefix(slash + 1);
    return name.starts_with("libgssapiv2.so") ? SASL_OK : SASL_CONTINUE;
}

} // namespace

void onlyGssapiSasl()
{
    static const bool done = [] {
        static const sasl_callback_t callbacks[] = {
            {SASL_CB_VERIFYFILE, reinterpret_cast<int (*)()>(reinterpret_cast<void (*)()>(&verifyFile)), nullptr},
            {SASL_CB_LIST_END, nullptr, nullptr},
        };
        // A failure here is libldap's to report at the bind (its own sasl_client_init).
        (void)sasl_client_init(callbacks);
        return true;
    }();
    (void)done;
}

} // namespace gpaudit::domain
