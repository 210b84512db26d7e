# The scale lab (sourced by the benchmarks, after lab-up's environment): LINUX1 moved 8 OUs deep
# (OU=Scale1,DC=... down to OU=Scale8), 120 GPOs linked along its path (15 per OU), each registered for
# the Advanced Audit CSE with an audit.csv of its own (a subcategory each, Success or Failure), made
# with ldb directly on the DC's sam.ldb (samba-tool gpo create takes seconds per GPO) and one
# `samba-tool ntacl sysvolreset` for the files. scale_down moves LINUX1 back and removes everything
# scale_up made; the caller runs it on exit. Run under the lab lock (flock /tmp/gpa-integration.lock).
#   scale_up [GPOS] [DEPTH]    scale_down
scale_made_gpos=()
scale_moved=
scale_ous=()
scale_tmp=$(mktemp -d)
scale_home_dn=$GPA_MACHINE_DN
scale_ldb() { "$@" -H "$GPA_SAM_LDB" >/dev/null 2>"$scale_tmp/ldb.err" || { cat "$scale_tmp/ldb.err" >&2; return 1; }; }
scale_up() {
    local gpos=${1:-120} depth=${2:-8} parent=$GPA_BASE_DN i level guid
    : > "$scale_tmp/ou.ldif"
    for ((level = 1; level <= depth; level++)); do
        parent="OU=Scale$level,$parent"
        printf 'dn: %s\nobjectClass: organizationalUnit\nou: Scale%d\n\n' "$parent" "$level" >> "$scale_tmp/ou.ldif"
        scale_ous=("$parent" "${scale_ous[@]}")
    done
    scale_leaf=$parent
    scale_ldb ldbadd "$scale_tmp/ou.ldif" || return 1
    # The subcategories the GPOs set, one each, cycling (their GUIDs: 0CCE92 + the code in
    # rules/subcategories.yaml).
    local subs=("Process Creation,{0CCE922B-69AE-11D9-BED3-505054503030}"
        "Process Termination,{0CCE922C-69AE-11D9-BED3-505054503030}"
        "Logon,{0CCE9215-69AE-11D9-BED3-505054503030}" "Logoff,{0CCE9216-69AE-11D9-BED3-505054503030}"
        "Security State Change,{0CCE9210-69AE-11D9-BED3-505054503030}"
        "Audit Policy Change,{0CCE922F-69AE-11D9-BED3-505054503030}")
    local per=$(((gpos + depth - 1) / depth)) ou_index=0 links=""
    local hdr='Machine Name,Policy Target,Subcategory,Subcategory GUID,Inclusion Setting,Exclusion Setting,Setting Value'
    : > "$scale_tmp/gpc.ldif"
    : > "$scale_tmp/link.ldif"
    mapfile -t guids < <(python3 -c 'import sys, uuid; [print("{%s}" % str(uuid.uuid4()).upper()) for _ in range(int(sys.argv[1]))]' "$gpos")
    for ((i = 0; i < gpos; i++)); do
        guid=${guids[$i]}
        printf 'dn: CN=%s,CN=Policies,CN=System,%s\nobjectClass: groupPolicyContainer\ndisplayName: GPA Scale %d\n%s\n%s\n%s\n%s\n%s\n\n' \
            "$guid" "$GPA_BASE_DN" "$i" "gPCFileSysPath: \\\\$GPA_DNS_DOMAIN\\sysvol\\$GPA_DNS_DOMAIN\\Policies\\$guid" \
            "gPCFunctionalityVersion: 2" "flags: 0" "versionNumber: 1" \
            "gPCMachineExtensionNames: [{F3CCC681-B74C-4060-9F26-CD84525DCA2A}{0F3F3735-573D-9804-99E4-AB2A69BA5FD4}]" \
            >> "$scale_tmp/gpc.ldif"
        scale_made_gpos+=("$guid")
        local dir="$GPA_POLICIES_DIR/$guid/Machine/Microsoft/Windows NT/Audit" sub=${subs[$((i % ${#subs[@]}))]}
        mkdir -p "$dir" "$GPA_POLICIES_DIR/$guid/User"
        printf '[General]\r\nVersion=1\r\n' > "$GPA_POLICIES_DIR/$guid/GPT.INI"
        printf '%s\r\n,System,%s,%s,,%d\r\n' "$hdr" "$sub" "$([ $((i % 2)) = 0 ] && echo Success || echo Failure)" \
            "$((i % 2 + 1))" > "$dir/audit.csv"
        links+="[LDAP://CN=$guid,CN=Policies,CN=System,$GPA_BASE_DN;0]"
        if [ $(((i + 1) % per)) = 0 ] || [ $((i + 1)) = "$gpos" ]; then
            printf 'dn: %s\nchangetype: modify\nreplace: gPLink\ngPLink: %s\n-\n\n' \
                "${scale_ous[$((depth - 1 - ou_index))]}" "$links" >> "$scale_tmp/link.ldif"
            links=""
            ou_index=$((ou_index + 1))
        fi
    done
    scale_ldb ldbadd "$scale_tmp/gpc.ldif" || return 1
    scale_ldb ldbmodify "$scale_tmp/link.ldif" || return 1
    "$GPA_LAB_EXEC" samba-tool ntacl sysvolreset -s "$GPA_DC_SMB_CONF" >/dev/null 2>&1 || return 1
    scale_ldb ldbrename "$scale_home_dn" "CN=LINUX1,$scale_leaf" || return 1
    scale_moved=1
}
scale_down() {
    local guid ou
    [ -n "$scale_moved" ] && scale_ldb ldbrename "CN=LINUX1,$scale_leaf" "$scale_home_dn"
    scale_moved=
    local dns=()
    for guid in "${scale_made_gpos[@]}"; do
        dns+=("CN=$guid,CN=Policies,CN=System,$GPA_BASE_DN")
        rm -rf "${GPA_POLICIES_DIR:?}/$guid"
    done
    [ ${#dns[@]} -gt 0 ] && scale_ldb ldbdel "${dns[@]}"
    scale_made_gpos=()
    [ ${#scale_ous[@]} -gt 0 ] && scale_ldb ldbdel "${scale_ous[@]}"
    scale_ous=()
    rm -rf "$scale_tmp"
}
