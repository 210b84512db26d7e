// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/events/json_lines.hxx"

#include "core/base/safe_text.hxx"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace gpaudit::core::events {

namespace {

using Json = nlohmann::ordered_json;
constexpr std::size_t kMaxShapes = 64;

// displayText(value) into slot, reusing its storage; printable ASCII is kept as it is by displayText.
void assignDisplay(Json *slot, std::string_view value)
{
    auto &text = slot->get_ref<std::string &>();
    if (std::all_of(value.begin(), value.end(), [](char c) { return c >= 0x20 && c < 0x7f; }))
        text.assign(value);
    else
        text = displayText(value);
}

} // namespace

struct JsonLines::Shape {
    std::uint32_t eventId = 0;
    std::vector<std::string> names;
    Json doc;
    Json *version, *task, *keywords, *computer, *timeCreated, *recordId, *category, *outcome, *subcategory, *auditId;
    std::vector<Json *> data;
};

struct JsonLines::Writer {
    explicit Writer(std::string &out)
        : serializer(nlohmann::detail::output_adapter<char>(out), ' ', Json::error_handler_t::replace)
    {
    }
    nlohmann::detail::serializer<Json> serializer;
};

JsonLines::JsonLines() : writer_(std::make_unique<Writer>(buffer_))
{
}
JsonLines::~JsonLines() = default;

JsonLines::Shape &JsonLines::shapeOf(const WindowsEvent &event)
{
    for (auto &shape : shapes_) {
        if (shape->eventId != event.eventId || shape->names.size() != event.data.size())
            continue;
        bool same = true;
        for (std::size_t i = 0; i < event.data.size() && same; ++i)
            same = shape->names[i] == event.data[i].name;
        if (same)
            return *shape;
    }
    // The same keys in the same order as toJson().
    auto shape = std::make_unique<Shape>();
    shape->eventId = event.eventId;
    Json &doc = shape->doc;
    doc["EventID"] = event.eventId;
    doc["Version"] = 0;
    doc["Level"] = 0;
    doc["Task"] = 0;
    doc["Opcode"] = 0;
    doc["Keywords"] = "";
    doc["Provider"] = "Microsoft-Windows-Security-Auditing";
    doc["Channel"] = "Security";
    doc["Computer"] = "";
    doc["TimeCreated"] = "";
    doc["EventRecordID"] = 0;
    doc["Category"] = "";
    doc["Outcome"] = "";
    auto &data = doc["EventData"];
    data = Json::object();
    for (const auto &field : event.data) {
        shape->names.push_back(field.name);
        data[field.name] = "";
    }
    doc["Linux"] = {{"Subcategory", ""}, {"AuditEvent", ""}};
    // Pointers into the finished document (no insertion after this point).
    shape->version = &doc["Version"];
    shape->task = &doc["Task"];
    shape->keywords = &doc["Keywords"];
    shape->computer = &doc["Computer"];
    shape->timeCreated = &doc["TimeCreated"];
    shape->recordId = &doc["EventRecordID"];
    shape->category = &doc["Category"];
    shape->outcome = &doc["Outcome"];
    shape->subcategory = &doc["Linux"]["Subcategory"];
    shape->auditId = &doc["Linux"]["AuditEvent"];
    for (const auto &field : event.data)
        shape->data.push_back(&doc["EventData"][field.name]);
    shapes_.push_back(std::move(shape));
    return *shapes_.back();
}

void JsonLines::append(const WindowsEvent &event)
{
    if (shapes_.size() >= kMaxShapes) {
        buffer_ += toJson(event);
        buffer_ += '\n';
        return;
    }
    Shape &shape = shapeOf(event);
    *shape.version = event.version;
    *shape.task = event.task;
    shape.keywords->get_ref<std::string &>() = event.success ? "0x8020000000000000" : "0x8010000000000000";
    assignDisplay(shape.computer, event.computer);
    shape.timeCreated->get_ref<std::string &>() = systemTime(event.seconds, event.milliseconds);
    *shape.recordId = event.recordId;
    shape.category->get_ref<std::string &>() = event.taskName;
    shape.outcome->get_ref<std::string &>() = event.success ? "Audit Success" : "Audit Failure";
    for (std::size_t i = 0; i < event.data.size(); ++i)
        assignDisplay(shape.data[i], event.data[i].value);
    shape.subcategory->get_ref<std::string &>() = event.subcategory;
    shape.auditId->get_ref<std::string &>() = event.auditId;
    writer_->serializer.dump(shape.doc, false, false, 0);
    buffer_ += '\n';
}

} // namespace gpaudit::core::events
