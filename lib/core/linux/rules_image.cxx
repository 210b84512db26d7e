// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/linux/rules_image.hxx"

namespace gpaudit::core {

namespace {
// The first bytes: what this is and the layout's version (a change of layout changes the number).
constexpr std::string_view kMagic = "gpaudit rules image 1\n";
} // namespace

std::string writeRulesImage(const Catalog &catalog, const Mapping &mapping)
{
    ImageWriter out;
    out.str(kMagic);
    catalog.writeImage(out);
    mapping.writeImage(out);
    return out.take();
}

Result<RulesImage> readRulesImage(std::string_view bytes, std::string_view label)
{
    ImageReader in(bytes, std::string(label));
    std::string magic;
    if (!in.str(magic))
        return tl::unexpected(in.error());
    if (magic != kMagic)
        return (in.corrupt("not a gpaudit rules image of this version"), tl::unexpected(in.error()));
    auto catalog = Catalog::readImage(in);
    if (!catalog)
        return tl::unexpected(catalog.error());
    auto mapping = Mapping::readImage(*catalog, in);
    if (!mapping)
        return tl::unexpected(mapping.error());
    if (!in.atEnd())
        return tl::unexpected(in.error());
    return RulesImage{std::move(*catalog), std::move(*mapping)};
}

} // namespace gpaudit::core
