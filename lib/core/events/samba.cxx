// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/events/samba.hxx"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>

namespace gpaudit::core::events {

namespace {

using Json = nlohmann::json;

// Windows' task categories of the subcategories (the Task of the event's System part).
constexpr std::uint32_t kTaskCredentialValidation = 14336;
constexpr std::uint32_t kTaskKerberosServiceTicket = 14337;
constexpr std::uint32_t kTaskKerberosAuthentication = 14339;
constexpr std::uint32_t kTaskDsAccess = 14080;
constexpr std::uint32_t kTaskDsChanges = 14081;
constexpr std::uint32_t kTaskDsReplication = 14082;
constexpr std::uint32_t kTaskUserAccount = 13824;
constexpr std::uint32_t kTaskComputerAccount = 13825;
constexpr std::uint32_t kTaskSecurityGroup = 13826;
constexpr std::uint32_t kTaskDistributionGroup = 13827;

// groupType bits (MS-ADTS 2.2.12)
constexpr std::int64_t kGroupGlobal = 0x2;
constexpr std::int64_t kGroupDomainLocal = 0x4;
constexpr std::int64_t kGroupUniversal = 0x8;
constexpr std::int64_t kGroupSecurity = 0x80000000LL;
// userAccountControl bits (MS-ADTS 2.2.16)
constexpr std::int64_t kUacDisabled = 0x2;
constexpr std::int64_t kUacNormal = 0x200;
constexpr std::int64_t kUacWorkstation = 0x1000;
constexpr std::int64_t kUacServer = 0x2000;

std::string str(const Json &object, const char *key)
{
    if (!object.is_object())
        return {};
    auto it = object.find(key);
    if (it == object.end() || it->is_null())
        return {};
    if (it->is_string())
        return it->get<std::string>();
    if (it->is_number_integer())
        return std::to_string(it->get<std::int64_t>());
    return {};
}

std::int64_t num(const Json &object, const char *key, std::int64_t fallback = 0)
{
    if (!object.is_object())
        return fallback;
    auto it = object.find(key);
    if (it == object.end() || !it->is_number_integer())
        return fallback;
    return it->get<std::int64_t>();
}

std::string dash(const std::string &text)
{
    return text.empty() ? "-" : text;
}

std::string lower(std::string_view text)
{
    std::string out(text);
    for (auto &c : out)
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    return out;
}

// "CN=sdprobe1,CN=Users,DC=gpa,DC=test" -> "sdprobe1"; "DC=gpa,DC=test" parts -> "gpa.test".
std::string firstRdnValue(std::string_view dn)
{
    const auto eq = dn.find('=');
    if (eq == std::string_view::npos)
        return std::string(dn);
    std::string out;
    for (std::size_t i = eq + 1; i < dn.size(); ++i) {
        if (dn[i] == '\\' && i + 1 < dn.size()) {
            out += dn[++i];
            continue;
        }
        if (dn[i] == ',')
            break;
        out += dn[i];
    }
    return out;
}

std::string dnsDomainOf(std::string_view dn)
{
    std::string out;
    std::size_t pos = 0;
    while (pos < dn.size()) {
        auto end = dn.find(',', pos);
        if (end == std::string_view::npos)
            end = dn.size();
        auto part = dn.substr(pos, end - pos);
        while (!part.empty() && part.front() == ' ')
            part.remove_prefix(1);
        if (part.size() > 3 && lower(part.substr(0, 3)) == "dc=")
            out += (out.empty() ? "" : ".") + std::string(part.substr(3));
        pos = end + 1;
    }
    return out;
}

// "ipv4:127.0.0.1:60255" / "ipv6:::1:445" -> address and port as Windows shows them ("::ffff:127.0.0.1").
void splitAddress(std::string_view remote, std::string &address, std::string &port)
{
    address = "-";
    port = "-";
    const bool v4 = remote.starts_with("ipv4:");
    const bool v6 = remote.starts_with("ipv6:");
    if (!v4 && !v6)
        return;
    remote.remove_prefix(5);
    const auto colon = remote.rfind(':');
    if (colon == std::string_view::npos)
        return;
    address = (v4 ? "::ffff:" : "") + std::string(remote.substr(0, colon));
    port = std::string(remote.substr(colon + 1));
}

// Kerberos encryption types by the names Samba logs as passwordType (RFC 3961/8009 numbers).
std::string encryptionType(std::string_view name)
{
    if (name == "aes256-cts-hmac-sha1-96")
        return "0x12";
    if (name == "aes128-cts-hmac-sha1-96")
        return "0x11";
    if (name == "arcfour-hmac-md5" || name == "arcfour-hmac")
        return "0x17";
    if (name == "des-cbc-md5")
        return "0x3";
    return "-";
}

// Samba's authDescription of a KDC authentication -> Windows' PreAuthType (MS-KILE / RFC 4120 padata).
std::string preAuthType(std::string_view description)
{
    if (description.find("ENC-TS") != std::string_view::npos)
        return "2";
    if (description.find("PKINIT") != std::string_view::npos)
        return "16";
    if (description.find("FAST") != std::string_view::npos)
        return "138";
    return "0";
}

// A refused AS exchange: the Kerberos error Windows puts in 4768's Status (RFC 4120 7.5.9).
std::string kerberosStatus(std::string_view ntStatus)
{
    if (ntStatus == "NT_STATUS_NO_SUCH_USER")
        return "0x6"; // KDC_ERR_C_PRINCIPAL_UNKNOWN
    if (ntStatus == "NT_STATUS_ACCOUNT_DISABLED" || ntStatus == "NT_STATUS_ACCOUNT_EXPIRED" ||
        ntStatus == "NT_STATUS_ACCOUNT_LOCKED_OUT" || ntStatus == "NT_STATUS_INVALID_LOGON_HOURS" ||
        ntStatus == "NT_STATUS_INVALID_WORKSTATION")
        return "0x12"; // KDC_ERR_CLIENT_REVOKED
    if (ntStatus == "NT_STATUS_PASSWORD_EXPIRED" || ntStatus == "NT_STATUS_PASSWORD_MUST_CHANGE")
        return "0x17"; // KDC_ERR_KEY_EXPIRED
    if (ntStatus == "NT_STATUS_WRONG_PASSWORD")
        return "0x18"; // KDC_ERR_PREAUTH_FAILED
    return "0x3c";     // KRB_ERR_GENERIC
}

} // namespace

std::string ntStatusCode(std::string_view name)
{
    static const std::pair<std::string_view, std::string_view> table[] = {
        {"NT_STATUS_OK", "0x0"},
        {"NT_STATUS_WRONG_PASSWORD", "0xc000006a"},
        {"NT_STATUS_NO_SUCH_USER", "0xc0000064"},
        {"NT_STATUS_LOGON_FAILURE", "0xc000006d"},
        {"NT_STATUS_ACCOUNT_RESTRICTION", "0xc000006e"},
        {"NT_STATUS_INVALID_LOGON_HOURS", "0xc000006f"},
        {"NT_STATUS_INVALID_WORKSTATION", "0xc0000070"},
        {"NT_STATUS_PASSWORD_EXPIRED", "0xc0000071"},
        {"NT_STATUS_ACCOUNT_DISABLED", "0xc0000072"},
        {"NT_STATUS_ACCOUNT_EXPIRED", "0xc0000193"},
        {"NT_STATUS_PASSWORD_MUST_CHANGE", "0xc0000224"},
        {"NT_STATUS_ACCOUNT_LOCKED_OUT", "0xc0000234"},
        {"NT_STATUS_ACCESS_DENIED", "0xc0000022"},
    };
    for (const auto &[n, code] : table)
        if (n == name)
            return std::string(code);
    return "0xc0000001"; // STATUS_UNSUCCESSFUL: a status Samba names that this table does not know
}

std::string_view slugOfEventId(std::uint32_t id)
{
    switch (id) {
    case 4720:
    case 4722:
    case 4723:
    case 4724:
    case 4725:
    case 4726:
    case 4738:
    case 4740:
    case 4767:
        return "user-account-management";
    case 4741:
    case 4742:
    case 4743:
        return "computer-account-management";
    case 4727:
    case 4728:
    case 4729:
    case 4730:
    case 4731:
    case 4732:
    case 4733:
    case 4734:
    case 4735:
    case 4737:
    case 4754:
    case 4755:
    case 4756:
    case 4757:
    case 4758:
        return "security-group-management";
    case 4744:
    case 4745:
    case 4746:
    case 4747:
    case 4748:
    case 4749:
    case 4750:
    case 4751:
    case 4752:
    case 4753:
    case 4759:
    case 4760:
    case 4761:
    case 4762:
    case 4763:
        return "distribution-group-management";
    default:
        return {};
    }
}

bool parseSambaTimestamp(std::string_view text, std::int64_t &seconds, std::uint32_t &milliseconds)
{
    // YYYY-MM-DDTHH:MM:SS[.ffffff](+|-)HHMM
    auto digits = [&](std::size_t at, std::size_t count, int &out) {
        if (at + count > text.size())
            return false;
        out = 0;
        for (std::size_t i = at; i < at + count; ++i) {
            if (text[i] < '0' || text[i] > '9')
                return false;
            out = out * 10 + (text[i] - '0');
        }
        return true;
    };
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    if (!digits(0, 4, y) || text.size() < 19 || text[4] != '-' || !digits(5, 2, mo) || text[7] != '-' ||
        !digits(8, 2, d) || text[10] != 'T' || !digits(11, 2, h) || text[13] != ':' || !digits(14, 2, mi) ||
        text[16] != ':' || !digits(17, 2, s))
        return false;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
        return false;
    std::size_t pos = 19;
    std::uint32_t ms = 0;
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        std::size_t n = 0;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            if (n < 3)
                ms = ms * 10 + static_cast<std::uint32_t>(text[pos] - '0');
            ++n;
            ++pos;
        }
        for (; n < 3; ++n)
            ms *= 10;
    }
    int offset = 0;
    if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
        int oh = 0, om = 0;
        if (!digits(pos + 1, 2, oh) || !digits(pos + 3, 2, om))
            return false;
        offset = (oh * 60 + om) * 60 * (text[pos] == '-' ? -1 : 1);
    } else if (pos < text.size() && text[pos] != 'Z') {
        return false;
    }
    // days from civil (Howard Hinnant's algorithm)
    const int yy = y - (mo <= 2 ? 1 : 0);
    const int era = (yy >= 0 ? yy : yy - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(yy - era * 400);
    const unsigned doy = static_cast<unsigned>((153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1);
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    const std::int64_t days = static_cast<std::int64_t>(era) * 146097 + static_cast<std::int64_t>(doe) - 719468;
    seconds = days * 86400 + static_cast<std::int64_t>(h) * 3600 + static_cast<std::int64_t>(mi) * 60 + s - offset;
    milliseconds = ms;
    return true;
}

std::vector<WindowsEvent> SambaRenderer::line(std::string_view text, std::uint64_t lineNumber)
{
    std::vector<WindowsEvent> out;
    if (text.size() > kMaxSambaLine)
        return out;
    const auto brace = text.find("{\"timestamp\"");
    if (brace == std::string_view::npos)
        return out;
    const auto record = Json::parse(text.substr(brace), nullptr, false);
    if (record.is_discarded() || !record.is_object())
        return out;
    const auto type = str(record, "type");
    if (type.empty() || !record.contains(type) || !record[type].is_object())
        return out;
    const auto &body = record[type];
    ++records_;
    std::int64_t seconds = 0;
    std::uint32_t ms = 0;
    const auto stamp = str(record, "timestamp");
    parseSambaTimestamp(stamp, seconds, ms);
    if (accounts_.size() >= kMaxSambaMemory)
        accounts_.clear();
    if (objects_.size() >= kMaxSambaMemory)
        objects_.clear();

    auto event = [&](std::uint32_t id, std::uint32_t task, std::string taskName, std::string slug, bool success) {
        WindowsEvent e;
        e.eventId = id;
        e.task = task;
        e.taskName = std::move(taskName);
        e.success = success;
        e.seconds = seconds;
        e.milliseconds = ms;
        e.recordId = lineNumber;
        e.computer = computer_;
        e.subcategory = std::move(slug);
        e.auditId = "samba " + type + " " + stamp;
        return e;
    };
    // The acting account: Samba gives its SID; the name comes from an authentication of it earlier in
    // the stream (approximate when none was seen).
    std::vector<std::string> subjectNotes;
    auto addSubject = [&](WindowsEvent &e, const std::string &sid, const std::string &sessionId) {
        std::string name = "-";
        std::string domain = "-";
        if (sid == "S-1-5-18") {
            name = "SYSTEM";
            domain = "NT AUTHORITY";
        } else if (auto it = accounts_.find(sid); it != accounts_.end()) {
            name = it->second.name;
            domain = it->second.domain;
        } else if (!sid.empty()) {
            subjectNotes.push_back("SubjectUserName: no authentication of " + sid + " earlier in the log");
        }
        e.data.push_back({"SubjectUserSid", dash(sid)});
        e.data.push_back({"SubjectUserName", name});
        e.data.push_back({"SubjectDomainName", domain});
        // Samba's session GUID stands for the logon id (Windows: a LUID).
        e.data.push_back({"SubjectLogonId", dash(sessionId)});
    };
    auto finish = [&](WindowsEvent e, std::string note) {
        for (const auto &n : subjectNotes)
            note += (note.empty() ? "" : "; ") + n;
        e.note = note.empty() ? std::string() : "approximate: " + note;
        out.push_back(std::move(e));
    };

    if (type == "Authentication" || type == "Authorization") {
        // Remember who this SID is, for the subjects of later directory records.
        const bool authn = type == "Authentication";
        const auto sid = str(body, authn ? "becameSid" : "sid");
        const auto account = str(body, authn ? "becameAccount" : "account");
        const auto domain = str(body, authn ? "becameDomain" : "domain");
        if (!sid.empty() && !account.empty())
            accounts_[sid] = {account, domain};
    }

    if (type == "Authentication") {
        const auto status = str(body, "status");
        const bool success = status == "NT_STATUS_OK";
        std::string address, port;
        splitAddress(str(body, "remoteAddress"), address, port);
        auto client = str(body, "clientAccount");
        std::string realm;
        if (const auto at = client.rfind('@'); at != std::string::npos) {
            realm = client.substr(at + 1);
            client.resize(at);
        }
        const auto service = str(body, "serviceDescription");
        const auto sid = str(body, "becameSid");
        if (service == "Kerberos KDC") {
            const auto description = str(body, "authDescription");
            const bool preauthFailed = !success && status == "NT_STATUS_WRONG_PASSWORD";
            const std::string domainSid = sid.rfind('-') != std::string::npos ? sid.substr(0, sid.rfind('-')) : "";
            if (preauthFailed) {
                // 4771 Kerberos pre-authentication failed
                auto e = event(4771, kTaskKerberosAuthentication, "Kerberos Authentication Service",
                               "kerberos-authentication-service", false);
                e.data = {{"TargetUserName", dash(client)},
                          {"TargetSid", dash(sid)},
                          {"ServiceName", "krbtgt/" + dash(realm)},
                          {"TicketOptions", "-"},
                          {"Status", "0x18"},
                          {"PreAuthType", preAuthType(description)},
                          {"IpAddress", address},
                          {"IpPort", port},
                          {"CertIssuerName", ""},
                          {"CertSerialNumber", ""},
                          {"CertThumbprint", ""}};
                finish(std::move(e), "TicketOptions: not in Samba's record");
            } else {
                // 4768 A Kerberos authentication ticket (TGT) was requested
                auto e = event(4768, kTaskKerberosAuthentication, "Kerberos Authentication Service",
                               "kerberos-authentication-service", success);
                e.data = {{"TargetUserName", dash(client)},
                          {"TargetDomainName", dash(realm)},
                          {"TargetSid", success ? dash(sid) : "S-1-0-0"},
                          {"ServiceName", "krbtgt"},
                          {"ServiceSid", domainSid.empty() ? "-" : domainSid + "-502"},
                          {"TicketOptions", "-"},
                          {"Status", success ? "0x0" : kerberosStatus(status)},
                          {"TicketEncryptionType", success ? encryptionType(str(body, "passwordType")) : "0xffffffff"},
                          {"PreAuthType", success ? preAuthType(description) : "-"},
                          {"IpAddress", address},
                          {"IpPort", port},
                          {"CertIssuerName", ""},
                          {"CertSerialNumber", ""},
                          {"CertThumbprint", ""}};
                finish(std::move(e), "TicketOptions: not in Samba's record; ServiceSid: the domain's krbtgt (RID "
                                     "502) by convention" +
                                         std::string(success ? "" : "; Status: from Samba's NTSTATUS"));
            }
        } else {
            // 4776 The computer attempted to validate the credentials for an account
            auto e = event(4776, kTaskCredentialValidation, "Credential Validation", "credential-validation", success);
            const auto passwordType = str(body, "passwordType");
            e.data = {{"PackageName", "MICROSOFT_AUTHENTICATION_PACKAGE_V1_0"},
                      {"TargetUserName", dash(client.empty() ? str(body, "becameAccount") : client)},
                      {"Workstation", dash(str(body, "workstation"))},
                      {"Status", success ? "0x0" : ntStatusCode(status)}};
            std::string note;
            if (passwordType.find("NTLM") == std::string::npos)
                note = "validated by " + dash(service) + " with a " + dash(passwordType) +
                       " password, not an NTLM exchange (a Windows DC logs it the same way through MSV1_0)";
            finish(std::move(e), note);
        }
        return out;
    }

    if (type == "Authorization") {
        const auto authType = str(body, "authType");
        if (authType != "krb5")
            return out;
        // 4769 A Kerberos service ticket was requested: approximated from the service that accepted it.
        std::string address, port;
        splitAddress(str(body, "remoteAddress"), address, port);
        const auto service = str(body, "serviceDescription");
        std::string serviceClass = "host";
        if (service == "LDAP")
            serviceClass = "ldap";
        else if (service.starts_with("SMB"))
            serviceClass = "cifs";
        else if (service.find("DCE/RPC") != std::string::npos)
            serviceClass = "host";
        const auto account = str(body, "account");
        const auto domain = str(body, "domain");
        auto e = event(4769, kTaskKerberosServiceTicket, "Kerberos Service Ticket Operations",
                       "kerberos-service-ticket-operations", true);
        e.data = {{"TargetUserName", dash(account) + (domain.empty() ? "" : "@" + domain)},
                  {"TargetDomainName", dash(domain)},
                  {"ServiceName", serviceClass + "/" + dash(computer_)},
                  {"ServiceSid", "-"},
                  {"TicketOptions", "-"},
                  {"TicketEncryptionType", "-"},
                  {"IpAddress", address},
                  {"IpPort", port},
                  {"Status", "0x0"},
                  {"LogonGuid", "{" + dash(str(body, "sessionId")) + "}"},
                  {"TransmittedServices", "-"}};
        finish(std::move(e), "Samba logs no TGS exchange: this is " + dash(service) +
                                 " accepting the Kerberos ticket; ServiceName from the service, ServiceSid, "
                                 "TicketOptions and TicketEncryptionType not in Samba's record");
        return out;
    }

    if (type == "passwordChange" || type == "groupChange") {
        const auto id = static_cast<std::uint32_t>(num(body, "eventId"));
        const auto slug = slugOfEventId(id);
        if (slug.empty())
            return out; // e.g. a groupChange "PrimaryGroup" record, which carries no event
        const bool success = num(body, "statusCode", -1) == 0;
        const bool group = type == "groupChange";
        const std::uint32_t task = slug == "user-account-management"     ? kTaskUserAccount
                                   : slug == "security-group-management" ? kTaskSecurityGroup
                                                                         : kTaskDistributionGroup;
        const std::string taskName = slug == "user-account-management"     ? "User Account Management"
                                     : slug == "security-group-management" ? "Security Group Management"
                                                                           : "Distribution Group Management";
        auto e = event(id, task, taskName, std::string(slug), success);
        if (group) {
            const auto member = str(body, "user");
            const auto groupDn = str(body, "group");
            e.data = {{"MemberName", dash(member)}, {"MemberSid", "-"}};
            e.data.push_back({"TargetUserName", dash(firstRdnValue(groupDn))});
            e.data.push_back({"TargetDomainName", dash(dnsDomainOf(groupDn))});
            e.data.push_back({"TargetSid", "-"});
        } else {
            const auto dn = str(body, "dn");
            e.data = {{"TargetUserName", dash(firstRdnValue(dn))},
                      {"TargetDomainName", dash(dnsDomainOf(dn))},
                      {"TargetSid", "-"}};
        }
        addSubject(e, str(body, "userSid"), str(body, "sessionId"));
        if (group)
            e.data.push_back({"PrivilegeList", "-"});
        finish(std::move(e),
               std::string("event ID from Samba's record; ") +
                   (group ? "MemberSid, TargetSid: not in Samba's record (the DNs are); "
                            "TargetUserName: the group's RDN, TargetDomainName: its DNS domain"
                          : "TargetSid: not in Samba's record; TargetUserName: the RDN of " + dash(str(body, "dn"))));
        return out;
    }

    if (type == "replicatedUpdate") {
        const bool success = num(body, "statusCode", -1) == 0 && num(body, "errorCode", 0) == 0;
        auto e =
            event(4933, kTaskDsReplication, "Directory Service Replication", "directory-service-replication", success);
        e.data = {{"DestinationDRA", dash(computer_)},
                  {"SourceDRA", "{" + dash(str(body, "sourceDsa")) + "}"},
                  {"NamingContext", dash(str(body, "partitionDN"))},
                  {"Options", "-"},
                  {"SessionID", dash(str(body, "transactionId"))},
                  {"EndUSN", "-"},
                  {"StatusCode", std::to_string(num(body, "errorCode"))}};
        finish(std::move(e), "one replicated batch (" + std::to_string(num(body, "objectCount")) + " objects, " +
                                 std::to_string(num(body, "linkCount")) +
                                 " links); SourceDRA: the source DSA's GUID; Options, EndUSN not in Samba's record");
        return out;
    }

    if (type != "dsdbChange")
        return out; // dsdbTransaction (rollbacks): nothing of Windows' corresponds

    const auto operation = str(body, "operation");
    const auto dn = str(body, "dn");
    const auto key = lower(dn);
    const bool success = num(body, "statusCode", -1) == 0;
    const auto userSid = str(body, "userSid");
    const auto sessionId = str(body, "sessionId");
    const auto txn = str(body, "transactionId");
    const Json attributes =
        body.contains("attributes") && body["attributes"].is_object() ? body["attributes"] : Json::object();
    // The values of an attribute action ("add"/"delete"/"replace"); redacted ones as Samba marks them.
    auto valuesOf = [](const Json &action) {
        std::vector<std::string> values;
        if (action.contains("redacted"))
            values.push_back("<redacted by Samba>");
        if (action.contains("values") && action["values"].is_array())
            for (const auto &v : action["values"])
                if (v.contains("value") && v["value"].is_string())
                    values.push_back(v["value"].get<std::string>());
        return values;
    };
    auto firstValue = [&](const char *name, const char *actionName) -> std::optional<std::string> {
        auto it = attributes.find(name);
        if (it == attributes.end() || !it->contains("actions") || !(*it)["actions"].is_array())
            return std::nullopt;
        for (const auto &action : (*it)["actions"]) {
            if (actionName != nullptr && str(action, "action") != actionName)
                continue;
            auto values = valuesOf(action);
            if (!values.empty())
                return values.back();
        }
        return std::nullopt;
    };

    // What kind of object: from an add's objectClass, else from the stream's memory, else from
    // userAccountControl.
    ObjectInfo info;
    bool known = false;
    std::string classNote;
    if (operation == "Add") {
        if (auto it = attributes.find("objectClass"); it != attributes.end() && it->contains("actions"))
            for (const auto &action : (*it)["actions"])
                for (const auto &v : valuesOf(action)) {
                    const auto c = lower(v);
                    // the most specific class Samba was given: computer over user, group as is
                    if (c == "computer" || (c == "user" && info.objectClass != "computer") || c == "group" ||
                        info.objectClass.empty())
                        info.objectClass = c;
                }
        if (auto type = firstValue("groupType", nullptr))
            info.groupType = std::strtoll(type->c_str(), nullptr, 10);
        known = !info.objectClass.empty();
        if (known && success)
            objects_[key] = info;
    } else if (auto it = objects_.find(key); it != objects_.end()) {
        info = it->second;
        known = true;
    }
    std::optional<std::int64_t> uacOld, uacNew;
    if (auto v = firstValue("userAccountControl", "delete"))
        uacOld = std::strtoll(v->c_str(), nullptr, 10);
    if (auto v = firstValue("userAccountControl", "add"))
        uacNew = std::strtoll(v->c_str(), nullptr, 10);
    if (auto v = firstValue("userAccountControl", "replace"))
        uacNew = std::strtoll(v->c_str(), nullptr, 10);
    if (!known && uacNew) {
        info.objectClass = (*uacNew & (kUacWorkstation | kUacServer)) ? "computer"
                           : (*uacNew & kUacNormal)                   ? "user"
                                                                      : "";
        known = !info.objectClass.empty();
        if (known)
            classNote = "object class from userAccountControl";
    }
    const std::string objectClass = known ? info.objectClass : "-";
    const std::string dsName = dash(dnsDomainOf(dn));
    std::vector<std::string> names;
    for (auto it = attributes.begin(); it != attributes.end(); ++it)
        names.push_back(it.key());

    // Bookkeeping the DC writes itself at every logon (lastLogon, logonCount... as SYSTEM) is neither an
    // access by a subject nor a change Windows audits (non-replicated attributes): no event.
    static const std::vector<std::string> kBookkeeping = {"lastLogon",   "logonCount",      "lastLogonTimestamp",
                                                          "badPwdCount", "badPasswordTime", "lockoutTime"};
    const bool onlyBookkeeping = std::all_of(names.begin(), names.end(), [](const std::string &n) {
        return std::find(kBookkeeping.begin(), kBookkeeping.end(), n) != kBookkeeping.end();
    });
    if (operation == "Modify" && userSid == "S-1-5-18" && onlyBookkeeping && !names.empty())
        return out;
    // 4662 An operation was performed on an object (Directory Service Access): every write, any status.
    {
        auto e = event(4662, kTaskDsAccess, "Directory Service Access", "directory-service-access", success);
        addSubject(e, userSid, sessionId);
        std::string access = "%%7685", mask = "0x20"; // Write Property
        if (operation == "Add")
            access = "%%7680", mask = "0x1"; // Create Child (on the parent, as Windows checks it)
        else if (operation == "Delete")
            access = "%%1537", mask = "0x10000"; // DELETE
        std::string properties;
        for (const auto &n : names)
            properties += (properties.empty() ? "" : " ") + n;
        e.data.push_back({"ObjectServer", "DS"});
        e.data.push_back({"ObjectType", objectClass});
        e.data.push_back({"ObjectName", dash(dn)});
        e.data.push_back({"OperationType", "Object Access"});
        e.data.push_back({"HandleId", "0x0"});
        e.data.push_back({"AccessList", access});
        e.data.push_back({"AccessMask", mask});
        e.data.push_back({"Properties", dash(properties)});
        e.data.push_back({"AdditionalInfo", "-"});
        e.data.push_back({"AdditionalInfo2", ""});
        finish(std::move(e), "Samba logs the " + dash(operation) + " (status " + dash(str(body, "status")) +
                                 "), not an access check: ObjectType is the class name (Windows: its schema "
                                 "GUID), Properties the attribute names");
    }
    if (!success)
        return out;

    // Directory Service Changes
    auto dsEvent = [&](std::uint32_t id) {
        auto e = event(id, kTaskDsChanges, "Directory Service Changes", "directory-service-changes", true);
        e.data.push_back({"OpCorrelationID", "{" + dash(txn) + "}"});
        e.data.push_back({"AppCorrelationID", "-"});
        addSubject(e, userSid, sessionId);
        e.data.push_back({"DSName", dsName});
        e.data.push_back({"DSType", "%%14676"}); // Active Directory Domain Services
        return e;
    };
    const std::string guidNote = "ObjectGUID: not in Samba's record" +
                                 std::string(known ? "" : "; ObjectClass: unknown (no add of it earlier in the log)");
    if (operation == "Add") {
        auto e = dsEvent(5137);
        e.data.push_back({"ObjectDN", dash(dn)});
        e.data.push_back({"ObjectGUID", "-"});
        e.data.push_back({"ObjectClass", objectClass});
        finish(std::move(e), guidNote);
    } else if (operation == "Delete") {
        auto e = dsEvent(5141);
        e.data.push_back({"ObjectDN", dash(dn)});
        e.data.push_back({"ObjectGUID", "-"});
        e.data.push_back({"ObjectClass", objectClass});
        e.data.push_back({"TreeDelete", "%%1843"}); // No
        finish(std::move(e), guidNote);
    } else if (operation == "Rename") {
        auto e = dsEvent(5139);
        e.data.push_back({"OldObjectDN", dash(dn)});
        e.data.push_back({"NewObjectDN", "-"});
        e.data.push_back({"ObjectGUID", "-"});
        e.data.push_back({"ObjectClass", objectClass});
        finish(std::move(e), guidNote + "; NewObjectDN: not in Samba's record");
    } else if (operation == "Modify") {
        for (auto it = attributes.begin(); it != attributes.end(); ++it) {
            if (!it->contains("actions") || !(*it)["actions"].is_array())
                continue;
            for (const auto &action : (*it)["actions"]) {
                const auto kind = str(action, "action");
                for (const auto &value : valuesOf(action)) {
                    auto e = dsEvent(5136);
                    e.data.push_back({"ObjectDN", dash(dn)});
                    e.data.push_back({"ObjectGUID", "-"});
                    e.data.push_back({"ObjectClass", objectClass});
                    e.data.push_back({"AttributeLDAPDisplayName", it.key()});
                    e.data.push_back({"AttributeSyntaxOID", "-"});
                    e.data.push_back({"AttributeValue", value});
                    e.data.push_back({"OperationType", kind == "delete" ? "%%14675" : "%%14674"});
                    finish(std::move(e), guidNote + "; AttributeSyntaxOID: not in Samba's record" +
                                             (kind == "replace" ? "; a replace: the old values (Windows: Value "
                                                                  "Deleted) are not in Samba's record"
                                                                : ""));
                }
            }
        }
    }

    // Account management
    if (!known)
        return out;
    auto accountEvent = [&](std::uint32_t id) {
        const auto slug = slugOfEventId(id);
        const std::uint32_t task = slug == "user-account-management"       ? kTaskUserAccount
                                   : slug == "computer-account-management" ? kTaskComputerAccount
                                   : slug == "security-group-management"   ? kTaskSecurityGroup
                                                                           : kTaskDistributionGroup;
        const std::string taskName = slug == "user-account-management"       ? "User Account Management"
                                     : slug == "computer-account-management" ? "Computer Account Management"
                                     : slug == "security-group-management"   ? "Security Group Management"
                                                                             : "Distribution Group Management";
        auto e = event(id, task, taskName, std::string(slug), true);
        const auto sam = operation == "Add" ? firstValue("sAMAccountName", nullptr) : std::nullopt;
        e.data.push_back({"TargetUserName", sam ? *sam : dash(firstRdnValue(dn))});
        e.data.push_back({"TargetDomainName", dsName});
        e.data.push_back({"TargetSid", "-"});
        addSubject(e, userSid, sessionId);
        e.data.push_back({"PrivilegeList", "-"});
        std::string note = "TargetSid: not in Samba's record";
        if (!sam)
            note += "; TargetUserName: the RDN of " + dash(dn);
        if (!classNote.empty())
            note += "; " + classNote;
        finish(std::move(e), note);
    };
    const auto &cls = info.objectClass;
    if (cls == "user" || cls == "inetorgperson") {
        if (operation == "Add")
            accountEvent(4720);
        else if (operation == "Delete")
            accountEvent(4726);
        else if (operation == "Modify" && !onlyBookkeeping) {
            if (uacOld && uacNew && (*uacOld & kUacDisabled) && !(*uacNew & kUacDisabled))
                accountEvent(4722);
            else if (uacOld && uacNew && !(*uacOld & kUacDisabled) && (*uacNew & kUacDisabled))
                accountEvent(4725);
            const bool onlyPassword = std::all_of(names.begin(), names.end(), [](const std::string &n) {
                return n == "unicodePwd" || n == "userPassword" || n == "clearTextPassword" || n == "dBCSPwd" ||
                       n == "ntPwdHistory" || n == "lmPwdHistory";
            });
            if (!onlyPassword) // password changes are 4723/4724, from Samba's passwordChange record
                accountEvent(4738);
        }
    } else if (cls == "computer") {
        if (operation == "Add")
            accountEvent(4741);
        else if (operation == "Delete")
            accountEvent(4743);
        else if (operation == "Modify" && !onlyBookkeeping)
            accountEvent(4742);
    } else if (cls == "group") {
        const bool security = (info.groupType & kGroupSecurity) != 0;
        const int scope = (info.groupType & kGroupGlobal)        ? 0
                          : (info.groupType & kGroupDomainLocal) ? 1
                          : (info.groupType & kGroupUniversal)   ? 2
                                                                 : -1;
        if (scope < 0)
            return out;
        // created, changed, deleted, by [security?][scope]: global, domain local, universal
        static const std::uint32_t created[2][3] = {{4749, 4744, 4759}, {4727, 4731, 4754}};
        static const std::uint32_t changed[2][3] = {{4750, 4745, 4760}, {4737, 4735, 4755}};
        static const std::uint32_t deleted[2][3] = {{4753, 4748, 4763}, {4730, 4734, 4758}};
        const bool onlyMembers = std::all_of(names.begin(), names.end(), [](const std::string &n) {
            return n == "member"; // membership: the groupChange record (4728...)
        });
        if (operation == "Add")
            accountEvent(created[security][scope]);
        else if (operation == "Delete")
            accountEvent(deleted[security][scope]);
        else if (operation == "Modify" && !onlyMembers && !names.empty())
            accountEvent(changed[security][scope]);
    }
    if (operation == "Delete")
        objects_.erase(key);
    return out;
}

} // namespace gpaudit::core::events
