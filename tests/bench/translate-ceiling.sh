#!/bin/bash
# Translation at the kernel's ceilings: Process Creation set to Success and Failure with N users
# excluded from it (Exclude Success and Failure; each user is then also Include Failure on every other
# subcategory, MS-GPAC 2.2.1.3.2 <6>), N = 0, 8, 31 and 62 (62 -F auid!= fields: the most one rule
# can carry, AUDIT_MAX_FIELDS). Every other rule meets the narrowed Process Creation rules in
# translate()'s overlap search (issue 15's copies), so this is its worst case. Runs `gpauditctl rules`
# on each file with each gpauditctl given (e.g. this build and main's), interleaved, and prints the
# median CPU time (user + system) and wall time of ROUNDS runs, the rules written and the exit status.
# Not a test: it asserts nothing and prints figures.
#   tests/bench/translate-ceiling.sh [-r ROUNDS] [-u "0 8 31 62"] CTL [CTL...]
#   e.g. tests/bench/translate-ceiling.sh build/daemon/gpauditctl ../main/build/daemon/gpauditctl
set -u
rounds=5
users="0 8 31 62"
while getopts r:u: opt; do
    case $opt in
        r) rounds=$OPTARG ;;
        u) users=$OPTARG ;;
        *) exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { echo "usage: $0 [-r ROUNDS] [-u USERS] CTL [CTL...]" >&2; exit 2; }
ctls=()
for ctl in "$@"; do ctls+=("$(realpath "$ctl")"); done
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# max_per_user_sids above the default 32, max_rules at its ceiling (62 users need ~5,000 rules).
printf 'max_per_user_sids: 100\nmax_rules: 16384\n' > "$dir/gpauditd.conf"
guid='{0CCE922B-69AE-11D9-BED3-505054503030}'
for n in $users; do
    {
        printf 'Machine Name,Policy Target,Subcategory,Subcategory GUID,Inclusion Setting,Exclusion Setting,Setting Value\r\n'
        printf ',System,Process Creation,%s,Success and Failure,,3\r\n' "$guid"
        for ((i = 0; i < n; i++)); do
            printf ',S-1-5-21-1-2-3-%d,Process Creation,%s,,Success and Failure,10\r\n' $((10000 + i)) "$guid"
        done
    } > "$dir/users-$n.csv"
    for ((i = 0; i < n; i++)); do echo "S-1-5-21-1-2-3-$((10000 + i)) user $((10000 + i))"; done > "$dir/sidmap-$n.txt"
done

median() { sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
TIMEFORMAT='%R %U %S'
for n in $users; do
    for ((c = 0; c < ${#ctls[@]}; c++)); do : > "$dir/times-$n-$c"; done
    for ((r = 0; r < rounds; r++)); do
        for ((c = 0; c < ${#ctls[@]}; c++)); do
            { time "${ctls[c]}" rules --no-host-check --config "$dir/gpauditd.conf" --sid-map "$dir/sidmap-$n.txt" \
                --audit-csv "$dir/users-$n.csv" > "$dir/out-$n-$c" 2> /dev/null; echo "rc $?" >> "$dir/rc-$n-$c"; } \
                2>> "$dir/times-$n-$c"
        done
    done
done

printf '%-15s %-50s %9s %9s %7s %s\n' "excluded users" gpauditctl "CPU s" "wall s" rules exit
for n in $users; do
    for ((c = 0; c < ${#ctls[@]}; c++)); do
        label=${ctls[c]}
        [ ${#label} -gt 50 ] && label="...${label: -47}"
        cpu=$(awk '{print $2 + $3}' "$dir/times-$n-$c" | median)
        wall=$(awk '{print $1}' "$dir/times-$n-$c" | median)
        printf '%-15s %-50s %9.2f %9.2f %7s %s\n' "$n" "$label" "$cpu" "$wall" "$(grep -c '^-a' "$dir/out-$n-$c")" \
            "$(sort -u "$dir/rc-$n-$c" | sed 's/^rc //' | paste -sd,)"
    done
    # The outputs of the builds compared, so that a speed-up that changed the rules shows.
    for ((c = 1; c < ${#ctls[@]}; c++)); do
        cmp -s "$dir/out-$n-0" "$dir/out-$n-$c" || echo "   (the rules of ${ctls[c]} differ from ${ctls[0]}'s)"
    done
done
