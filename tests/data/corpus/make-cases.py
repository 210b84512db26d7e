import os, shutil
D=os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
H='Machine Name,Policy Target,Subcategory,Subcategory GUID,Inclusion Setting,Exclusion Setting,Setting Value\r\n'
AUD='{F3CCC681-B74C-4060-9F26-CD84525DCA2A}{0F3F3735-573D-9804-99E4-AB2A69BA5FD4}'
SEC='{827D319E-6EAC-11D2-A4EA-00C04F79F83A}{803E14A0-B4FB-11D0-A0D0-00A0C90F574B}'
REG='{35378EAC-683F-11D2-A89A-00C04FBBCFA2}{D02B1F72-3407-48AE-BA88-E8213C6761F1}'
G={'logon':'{0CCE9215-69AE-11D9-BED3-505054503030}','proc':'{0CCE922B-69AE-11D9-BED3-505054503030}',
   'term':'{0CCE922C-69AE-11D9-BED3-505054503030}','ipsecdrv':'{0CCE9213-69AE-11D9-BED3-505054503030}',
   'fs':'{0CCE921D-69AE-11D9-BED3-505054503030}','sysint':'{0CCE9212-69AE-11D9-BED3-505054503030}',
   'ipsecext':'{0CCE921A-69AE-11D9-BED3-505054503030}','secstate':'{0CCE9210-69AE-11D9-BED3-505054503030}'}
def w(path, data, mode='w'):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if isinstance(data, bytes): open(path,'wb').write(data)
    else: open(path,'w',newline='').write(data)
def inf(event=None, switch=None):
    t='[Unicode]\r\nUnicode=yes\r\n[Version]\r\nsignature="$CHICAGO$"\r\nRevision=1\r\n'
    if event:
        t+='[Event Audit]\r\n'+''.join(f'{k} = {v}\r\n' for k,v in event)
    if switch is not None:
        t+='[Registry Values]\r\nMACHINE\\System\\CurrentControlSet\\Control\\Lsa\\SCENoApplyLegacyAuditPolicy=4,'+str(switch)+'\r\n'
    return b'\xff\xfe'+t.encode('utf-16-le')
def backup_xml(guid, name, exts):
    me = '<MachineExtensionGuids/>' if exts is None else '<MachineExtensionGuids><![CDATA['+exts+']]></MachineExtensionGuids>'
    return ('\ufeff<?xml version="1.0" encoding="utf-8"?><!-- Copyright (c) Microsoft Corporation.  All rights reserved. -->'
      '<GroupPolicyBackupScheme bkp:version="2.0" bkp:type="GroupPolicyBackupTemplate" xmlns:bkp="http://www.microsoft.com/GroupPolicy/GPOOperations" xmlns="http://www.microsoft.com/GroupPolicy/GPOOperations">'
      '<GroupPolicyObject><SecurityGroups/><FilePaths/><GroupPolicyCoreSettings>'
      f'<ID><![CDATA[{guid}]]></ID><Domain><![CDATA[corp.example.com]]></Domain>'
      f'<DisplayName><![CDATA[{name}]]></DisplayName><Options><![CDATA[0]]></Options>'
      '<UserVersionNumber><![CDATA[0]]></UserVersionNumber><MachineVersionNumber><![CDATA[65539]]></MachineVersionNumber>'
      + me + '<UserExtensionGuids/><WMIFilter/></GroupPolicyCoreSettings></GroupPolicyObject></GroupPolicyBackupScheme>')
def bkupinfo(guid, name, backup_id, fname='bkupInfo.xml'):
    return (fname, '\ufeff<BackupInst xmlns="http://www.microsoft.com/GroupPolicy/GPOOperations/Manifest">'
      f'<GPOGuid><![CDATA[{guid}]]></GPOGuid><GPODomain><![CDATA[corp.example.com]]></GPODomain>'
      '<GPODomainGuid><![CDATA[{0E9A1B2C-3D4E-5F60-7182-93A4B5C6D7E8}]]></GPODomainGuid>'
      '<GPODomainController><![CDATA[DC01.corp.example.com]]></GPODomainController>'
      f'<BackupTime><![CDATA[2026-11-30T10:00:00]]></BackupTime><ID><![CDATA[{backup_id}]]></ID>'
      f'<Comment><![CDATA[]]></Comment><GPODisplayName><![CDATA[{name}]]></GPODisplayName></BackupInst>')
def backup(case, backup_id, guid, name, exts, csv=None, tmpl=None, info='bkupInfo.xml', machine_dir='microsoft/windows nt'):
    root=f'{D}/{case}/{backup_id}'
    fname, text = bkupinfo(guid, name, backup_id, info)
    w(f'{root}/{fname}', text)
    if exts != 'absent':
        w(f'{root}/Backup.xml', backup_xml(guid, name, exts))
    base=f'{root}/DomainSysvol/GPO/Machine/{machine_dir}'
    os.makedirs(f'{root}/DomainSysvol/GPO/Machine', exist_ok=True)
    if csv is not None: w(f'{base}/Audit/audit.csv', csv if isinstance(csv, bytes) else csv)
    if tmpl is not None: w(f'{base}/SecEdit/GptTmpl.inf', tmpl)
    return backup_id
def sysvol(case, folder, csv=None, tmpl=None, name=None):
    root=f'{D}/{case}/{folder}'
    w(f'{root}/gpt.ini', '[General]\r\nVersion=65537\r\ndisplayName=' + (name or folder) + '\r\n')
    os.makedirs(f'{root}/Machine', exist_ok=True)
    if csv is not None: w(f'{root}/Machine/Microsoft/Windows NT/Audit/audit.csv', csv)
    if tmpl is not None: w(f'{root}/Machine/Microsoft/Windows NT/SecEdit/GptTmpl.inf', tmpl)
    return folder
def row(sub, v, text='x', machine='HOST', target='System'):
    return f'{machine},{target},{sub},{G[sub]},{text},,{v}\r\n'
def case(name, gpos):
    shutil.rmtree(f'{D}/{name}', ignore_errors=True)
    os.makedirs(f'{D}/{name}')
    return gpos
es = open(D + '/corpus/auditpol-backup-es-cp1252.csv','rb').read()
event_logon_proc=[('AuditLogonEvents',3),('AuditProcessTracking',1)]

# A: the Spanish auditpol backup in a GPO that registers only the Security CSE (SOURCES.md: the GPO
# it came from does not register the Advanced Audit CSE): audit.csv ignored, [Event Audit] used.
n='corpus-es-unregistered'; case(n,0)
g=[backup(n,'{5E0C1A22-7B3D-4F1A-9C2E-1D4B6A8F0E31}','{2B7F4C1D-8E3A-4B5C-9D6E-7F8A9B0C1D2E}','ES Imported Audit',f'[{REG}][{SEC}]',csv=es,tmpl=inf(event_logon_proc))]
open(f'{D}/{n}/gpos','w').write('\n'.join(g)+'\n')
# B: the same file in a GPO that registers the Advanced Audit CSE, lowercase GUIDs as MS-GPAC 1.9 writes them.
n='corpus-es-registered'; case(n,0)
g=[backup(n,'{6F1D2B33-8C4E-4A2B-8D3F-2E5C7B9A1F42}','{3C8A5D2E-9F4B-4C6D-8E7F-8A9B0C1D2E3F}','ES Audit Registered',
   '[{f3ccc681-b74c-4060-9f26-cd84525dca2a}{0f3f3735-573d-9804-99e4-ab2a69ba5fd4}]',csv=es)]
open(f'{D}/{n}/gpos','w').write('\n'.join(g)+'\n')
# C: registered vs unregistered, both directions, and an empty list.
n='cse-registered-vs-not'; case(n,0)
g=[backup(n,'{11111111-AAAA-4BBB-8CCC-000000000001}','{A0000000-0000-4000-8000-000000000001}','Advanced Only',f'[{AUD}]',
          csv=H+row('proc',1)+row('logon',3), tmpl=inf([('AuditProcessTracking',3),('AuditSystemEvents',3)])),
   backup(n,'{11111111-AAAA-4BBB-8CCC-000000000002}','{A0000000-0000-4000-8000-000000000002}','Security Only',f'[{SEC}]',
          csv=H+row('term',3)+row('logon',2), tmpl=inf([('AuditSystemEvents',1)])),
   backup(n,'{11111111-AAAA-4BBB-8CCC-000000000003}','{A0000000-0000-4000-8000-000000000003}','No Extensions',None,
          csv=H+row('fs',3), tmpl=inf([('AuditObjectAccess',3)]))]
open(f'{D}/{n}/gpos','w').write('\n'.join(g)+'\n')
# D/E: legacy and advanced in one GPO, without and with SCENoApplyLegacyAuditPolicy.
for n, sw in (('legacy-advanced-one-gpo', None), ('legacy-advanced-one-gpo-switch', 1)):
    case(n,0)
    g=[sysvol(n,'{B0000000-0000-4000-8000-000000000001}', csv=H+row('proc',3)+row('logon',4,'No Auditing'),
              tmpl=inf([('AuditProcessTracking',1),('AuditLogonEvents',3)], sw), name='Legacy and Advanced')]
    open(f'{D}/{n}/gpos','w').write('\n'.join(g)+'\n')
# F: the switch in a lower GPO than the audit settings; G: a higher GPO sets it back to 0.
n='switch-other-gpo'; case(n,0)
g=[sysvol(n,'{C0000000-0000-4000-8000-000000000001}', tmpl=inf(None, 1), name='Switch Only'),
   sysvol(n,'{C0000000-0000-4000-8000-000000000002}', csv=H+row('proc',3), tmpl=inf([('AuditProcessTracking',1),('AuditLogonEvents',3)]), name='Audit Settings')]
open(f'{D}/{n}/gpos','w').write('\n'.join(g)+'\n')
n='switch-overridden'; case(n,0)
g=[sysvol(n,'{D0000000-0000-4000-8000-000000000001}', tmpl=inf(None, 1), name='Switch On'),
   sysvol(n,'{D0000000-0000-4000-8000-000000000002}', csv=H+row('proc',3), tmpl=inf([('AuditProcessTracking',1),('AuditLogonEvents',3)]), name='Audit Settings'),
   sysvol(n,'{D0000000-0000-4000-8000-000000000003}', tmpl=inf(None, 0), name='Switch Off')]
open(f'{D}/{n}/gpos','w').write('\n'.join(g)+'\n')
# H: "No Auditing" with 0 (unchanged, MS-GPAC 2.2.1.3.1) vs 4 (none): the MS-GPAC 4.1 example over a baseline.
n='no-auditing-zero-vs-four'; case(n,0)
ex41=(H+'TEST-MACHINE,System,IPsec Driver,{0CCE9213-69AE-11D9-BED3-505054503030},No Auditing,,0\r\n'
      'TEST-MACHINE,System,System Integrity,{0CCE9212-69AE-11D9-BED3-505054503030},Success,,1\r\n'
      'TEST-MACHINE,System,IPsec Extended Mode,{0CCE921A-69AE-11D9-BED3-505054503030},Success and Failure,,3\r\n'
      'TEST-MACHINE,System,File System,{0CCE921D-69AE-11D9-BED3-505054503030},Not specified,,0\r\n'
      'TEST-MACHINE,System,Process Creation,{0CCE922B-69AE-11D9-BED3-505054503030},No Auditing,,4\r\n')
g=[sysvol(n,'{E0000000-0000-4000-8000-000000000001}', csv=H+row('ipsecdrv',1)+row('fs',3)+row('proc',3)+row('sysint',2), name='Baseline'),
   sysvol(n,'{E0000000-0000-4000-8000-000000000002}', csv=ex41, name='MS-GPAC 4.1 Example')]
open(f'{D}/{n}/gpos','w').write('\n'.join(g)+'\n')
# I: an LGPO.exe /b backup: Bkupinfo.xml capitalised, Backup.xml registering both CSEs, machine name filled in.
n='lgpo-backup'; case(n,0)
csv=H+''.join(row(s,v,machine='WIN10-LGPO01') for s,v in (('proc',1),('logon',3),('secstate',1)))+'WIN10-LGPO01,,Option:CrashOnAuditFail,,Disabled,,0\r\n'
g=[backup(n,'{7A2B3C4D-5E6F-4071-8293-A4B5C6D7E8F9}','{7A2B3C4D-5E6F-4071-8293-A4B5C6D7E8F9}','LGPO Backup WIN10-LGPO01',
          f'[{SEC}][{AUD}]', csv=csv, tmpl=inf([('AuditAccountLogon',3)],1), info='Bkupinfo.xml', machine_dir='Microsoft/Windows NT')]
open(f'{D}/{n}/gpos','w').write('\n'.join(g)+'\n')
