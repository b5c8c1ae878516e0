<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>CallBar</name>
    <message>
        <source>Call bar</source>
        <translation>通话栏</translation>
    </message>
    <message>
        <source>Agent: signed out</source>
        <translation>座席：未登录</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>示闲</translation>
    </message>
    <message>
        <source>Not ready</source>
        <translation>示忙</translation>
    </message>
    <message>
        <source>Break</source>
        <translation>小休</translation>
    </message>
    <message>
        <source>No call</source>
        <translation>无通话</translation>
    </message>
    <message>
        <source>Answer</source>
        <translation>接听</translation>
    </message>
    <message>
        <source>Hang up</source>
        <translation>挂断</translation>
    </message>
    <message>
        <source>Agent: {name}</source>
        <translation>座席：{name}</translation>
    </message>
    <message>
        <source>Online</source>
        <translation>在线</translation>
    </message>
    <message>
        <source>Reconnecting…</source>
        <translation>正在重连…</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <source>{link} · {count} to upload</source>
        <translation>{link} · 待上传 {count} 条</translation>
    </message>
    <message>
        <source>{count} refused by the platform</source>
        <translation>平台拒收 {count} 条</translation>
    </message>
    <message>
        <source>{op} {key}: {reason}</source>
        <translation>{op} {key}：{reason}</translation>
    </message>
    <message>
        <source>Click an item to mark it as seen</source>
        <translation>点击条目标记为已阅</translation>
    </message>
    <message>
        <source>The platform did not take the state change</source>
        <translation>平台未接受状态变更</translation>
    </message>
    <message>
        <source>After-call work</source>
        <translation>话后处理</translation>
    </message>
    <message>
        <source>Ringing: {number}</source>
        <translation>来电振铃：{number}</translation>
    </message>
    <message>
        <source>On a call: {number}</source>
        <translation>通话中：{number}</translation>
    </message>
    <message>
        <source>Missed call: {number}</source>
        <translation>未接来电：{number}</translation>
    </message>
    <message>
        <source>Call ended: {number}</source>
        <translation>通话结束：{number}</translation>
    </message>
    <message>
        <source>The platform did not take the command</source>
        <translation>平台未接受该操作</translation>
    </message>
</context>
<context>
    <name>HelpOverlay</name>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>快捷键</translation>
    </message>
    <message>
        <source>Press any key or click to close</source>
        <translation>按任意键或单击关闭</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>12345 Hotline Workstation</source>
        <translation>12345 热线座席工作台</translation>
    </message>
    <message>
        <source>Not connected</source>
        <translation>未连接</translation>
    </message>
    <message>
        <source>Caller</source>
        <translation>来电人</translation>
    </message>
    <message>
        <source>The caller card fills in when a call rings.</source>
        <translation>来电振铃时，此处显示来电人信息。</translation>
    </message>
    <message>
        <source>Work order</source>
        <translation>工单</translation>
    </message>
    <message>
        <source>The work-order form for the current call.</source>
        <translation>当前来电的工单填写区。</translation>
    </message>
    <message>
        <source>Knowledge base</source>
        <translation>知识库</translation>
    </message>
    <message>
        <source>Search the knowledge base for an approved answer.</source>
        <translation>在知识库中查找答复口径。</translation>
    </message>
    <message>
        <source>Show keyboard shortcuts</source>
        <translation>显示快捷键</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>Cannot reach the platform at {address}</source>
        <translation>无法连接平台 {address}</translation>
    </message>
    <message>
        <source>Sign-in failed: wrong user name or password</source>
        <translation>登录失败：用户名或密码错误</translation>
    </message>
    <message>
        <source>The platform refused the request ({status} {code})</source>
        <translation>平台拒绝了请求（{status} {code}）</translation>
    </message>
    <message>
        <source>No platform address is set</source>
        <translation>未设置平台地址</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>正在连接…</translation>
    </message>
    <message>
        <source>Syncing {what}: {done} / {total}</source>
        <translation>正在同步{what}：{done} / {total}</translation>
    </message>
    <message>
        <source>knowledge base</source>
        <translation>知识库</translation>
    </message>
    <message>
        <source>work orders</source>
        <translation>工单</translation>
    </message>
    <message>
        <source>callers</source>
        <translation>来电人</translation>
    </message>
    <message>
        <source>reference data</source>
        <translation>基础数据</translation>
    </message>
    <message>
        <source>Agent: {name}</source>
        <translation>座席：{name}</translation>
    </message>
    <message>
        <source>Connected {address}, signed in: {name}</source>
        <translation>已连接 {address}，已登录：{name}</translation>
    </message>
    <message>
        <source>Platform {address} is reachable; not signed in</source>
        <translation>平台 {address} 可访问，未登录</translation>
    </message>
</context>
<context>
    <name>app</name>
    <message>
        <source>An unexpected error occurred. Please save your work and restart the workstation.
Details are in the log file:
{path}</source>
        <translation>发生意外错误，请保存工作后重启工作台。
详细信息见日志文件：
{path}</translation>
    </message>
    <message>
        <source>Workstation error</source>
        <translation>工作台错误</translation>
    </message>
    <message>
        <source>Starting the demo platform…</source>
        <translation>正在启动演示平台…</translation>
    </message>
    <message>
        <source>The demo platform did not start; see the log file</source>
        <translation>演示平台未能启动，详见日志文件</translation>
    </message>
</context>
</TS>
