<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AgentsModel</name>
    <message>
        <source>Agent</source>
        <translation>话务员</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Time in state</source>
        <translation>持续时长</translation>
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
        <source>After-call work</source>
        <translation>话后处理</translation>
    </message>
    <message>
        <source>Ringing</source>
        <translation>振铃</translation>
    </message>
    <message>
        <source>Talking</source>
        <translation>通话中</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>离线</translation>
    </message>
</context>
<context>
    <name>AuditModel</name>
    <message>
        <source>When</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>User</source>
        <translation>用户</translation>
    </message>
    <message>
        <source>Seat</source>
        <translation>座席</translation>
    </message>
    <message>
        <source>What</source>
        <translation>操作</translation>
    </message>
    <message>
        <source>Record</source>
        <translation>记录</translation>
    </message>
    <message>
        <source>Read</source>
        <translation>查看</translation>
    </message>
    <message>
        <source>Listed</source>
        <translation>列表</translation>
    </message>
    <message>
        <source>Listed by phone</source>
        <translation>按号码列出</translation>
    </message>
    <message>
        <source>Searched by phone</source>
        <translation>按号码查找</translation>
    </message>
    <message>
        <source>Progress lookup</source>
        <translation>进度查询</translation>
    </message>
    <message>
        <source>Synced</source>
        <translation>同步</translation>
    </message>
    <message>
        <source>Synced (snapshot)</source>
        <translation>同步（快照）</translation>
    </message>
    <message>
        <source>Wrong password</source>
        <translation>密码错误</translation>
    </message>
    <message>
        <source>Sign-in while locked</source>
        <translation>锁定期间登录</translation>
    </message>
    <message>
        <source>Sign-in of a disabled account</source>
        <translation>停用账户登录</translation>
    </message>
    <message>
        <source>Refused (not allowed)</source>
        <translation>拒绝（无权限）</translation>
    </message>
    <message>
        <source>Refused (not signed in)</source>
        <translation>拒绝（未登录）</translation>
    </message>
    <message>
        <source>Read the audit</source>
        <translation>查看审计</translation>
    </message>
    <message>
        <source>Showed the number in full</source>
        <translation>显示完整号码</translation>
    </message>
    <message>
        <source>Sign-in from an unregistered seat</source>
        <translation>从未登记席位登录</translation>
    </message>
    <message>
        <source>caller</source>
        <translation>来电人</translation>
    </message>
    <message>
        <source>order</source>
        <translation>工单</translation>
    </message>
    <message>
        <source>account</source>
        <translation>账户</translation>
    </message>
    <message>
        <source>request</source>
        <translation>请求</translation>
    </message>
    <message>
        <source>audit</source>
        <translation>审计</translation>
    </message>
</context>
<context>
    <name>AuditPage</name>
    <message>
        <source>Audit</source>
        <translation>审计</translation>
    </message>
    <message>
        <source>User name (all when empty)</source>
        <translation>用户名（留空为全部）</translation>
    </message>
    <message>
        <source>Caller&apos;s number (all when empty)</source>
        <translation>来电号码（留空为全部）</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>今天</translation>
    </message>
    <message>
        <source>Last {days} days</source>
        <translation>近 {days} 天</translation>
    </message>
    <message>
        <source>User</source>
        <translation>用户</translation>
    </message>
    <message>
        <source>Caller</source>
        <translation>来电人</translation>
    </message>
    <message>
        <source>Period</source>
        <translation>时间段</translation>
    </message>
    <message>
        <source>Read the audit log with these filters</source>
        <translation>按这些条件查看审计日志</translation>
    </message>
    <message>
        <source>Not a phone number: {text}</source>
        <translation>不是电话号码：{text}</translation>
    </message>
    <message>
        <source>{count} events, newest first (the newest {limit} shown)</source>
        <translation>共 {count} 条，最新在前（只显示最新的 {limit} 条）</translation>
    </message>
    <message>
        <source>{count} events, newest first</source>
        <translation>共 {count} 条，最新在前</translation>
    </message>
</context>
<context>
    <name>CallBackPage</name>
    <message>
        <source>Not dialled: {error}</source>
        <extracomment>object names: of the page, the prefix of its lines, list and buttons, and the panel&apos;s own names</extracomment>
        <translation>未拨出：{error}</translation>
    </message>
    <message>
        <source>Calling back {number}…</source>
        <translation>正在回拨 {number}…</translation>
    </message>
</context>
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
        <source>End wrap-up now</source>
        <translation>结束话后处理</translation>
    </message>
    <message>
        <source>Thirty seconds more wrap-up</source>
        <translation>话后处理延长 30 秒</translation>
    </message>
    <message>
        <source>Your figures for today (they start again at midnight):
calls: the calls you answered, counted when they end;
average: the handling time per call, talk plus after-call work (min:s);
orders: the work orders you recorded, those not yet uploaded included</source>
        <translation>你今天的数据（每天零点重新计数）：
通：你接听的电话，通话结束时计入；
均长：每通电话的平均处理时长，即通话加话后处理（分:秒）；
工单：你登记的工单，含尚未上传的</translation>
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
        <source>Hold / resume</source>
        <translation>保持 / 恢复</translation>
    </message>
    <message>
        <source>Transfer the call (110/119/120/122, sub-centres)</source>
        <translation>转接（110/119/120/122、分中心）</translation>
    </message>
    <message>
        <source>&amp;Three-way: stay on the line</source>
        <translation>三方通话：坐席不挂机(&amp;T)</translation>
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
        <source>platform</source>
        <translation>平台</translation>
    </message>
    <message>
        <source>softphone</source>
        <translation>软电话</translation>
    </message>
    <message>
        <source>switch</source>
        <translation>交换机</translation>
    </message>
    <message>
        <source>Phone ({where}): connected</source>
        <translation>电话（{where}）：已连接</translation>
    </message>
    <message>
        <source>Phone ({where}): NOT connected</source>
        <translation>电话（{where}）：未连接</translation>
    </message>
    <message>
        <source>{op} {key}: {reason}</source>
        <translation>{op} {key}：{reason}</translation>
    </message>
    <message>
        <source>Resend</source>
        <translation>重新提交</translation>
    </message>
    <message>
        <source>Discard, with the {count} change(s) waiting behind it</source>
        <translation>放弃（连同其后等待的 {count} 项修改）</translation>
    </message>
    <message>
        <source>Discard</source>
        <translation>放弃</translation>
    </message>
    <message>
        <source>Edit and send again…</source>
        <translation>修改后重新提交…</translation>
    </message>
    <message>
        <source>Resend: send the change again. Discard: drop it, the platform&apos;s version stands</source>
        <translation>重新提交：再次发送此修改。放弃：撤销此修改，以平台为准</translation>
    </message>
    <message>
        <source>The platform did not take the state change</source>
        <translation>平台未接受状态变更</translation>
    </message>
    <message>
        <source>Finishing a work order</source>
        <translation>处理工单</translation>
    </message>
    <message>
        <source>Training</source>
        <translation>培训</translation>
    </message>
    <message>
        <source>Meeting</source>
        <translation>会议</translation>
    </message>
    <message>
        <source>Calling a requester back</source>
        <translation>回访来电人</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>其他</translation>
    </message>
    <message>
        <source>After-call work</source>
        <translation>话后处理</translation>
    </message>
    <message>
        <source>Ringing</source>
        <translation>振铃</translation>
    </message>
    <message>
        <source>Talking</source>
        <translation>通话中</translation>
    </message>
    <message>
        <source>Not ready (a call rang unanswered: F5 for ready)</source>
        <translation>示忙（来电未接，按 F5 示闲）</translation>
    </message>
    <message>
        <source> ({reason})</source>
        <translation>（{reason}）</translation>
    </message>
    <message>
        <source>Queue {count} · longest {wait}</source>
        <translation>排队 {count} 人 · 最长 {wait}</translation>
    </message>
    <message>
        <source>Queue empty</source>
        <translation>无人排队</translation>
    </message>
    <message>
        <source>, then {state}</source>
        <translation>，之后{state}</translation>
    </message>
    <message>
        <source>Today {calls} calls · avg {average} · orders {orders}</source>
        <translation>今日 {calls} 通 · 均长 {average} · 工单 {orders}</translation>
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
        <source>Transferred out: {number}</source>
        <translation>已转出：{number}</translation>
    </message>
    <message>
        <source>Call cut off: {number} (the phone system no longer has it)</source>
        <translation>通话已中断：{number}（电话平台已无此通话）</translation>
    </message>
    <message>
        <source>Call ended: {number}</source>
        <translation>通话结束：{number}</translation>
    </message>
    <message>
        <source>this phone cannot hold calls</source>
        <translation>当前电话来源不支持保持</translation>
    </message>
    <message>
        <source>this phone cannot transfer calls</source>
        <translation>当前电话来源不支持转接</translation>
    </message>
    <message>
        <source>On hold: {number}</source>
        <translation>保持中：{number}</translation>
    </message>
    <message>
        <source>the phone is not connected</source>
        <translation>电话未连接</translation>
    </message>
    <message>
        <source>the call is gone</source>
        <translation>通话已结束</translation>
    </message>
    <message>
        <source>this phone cannot do that</source>
        <translation>当前电话不支持此操作</translation>
    </message>
    <message>
        <source>the phone did not answer</source>
        <translation>电话无响应</translation>
    </message>
    <message>
        <source>refused ({details})</source>
        <translation>被拒绝（{details}）</translation>
    </message>
    <message>
        <source>No transfer targets yet: the reference data has not synced</source>
        <translation>尚无转接目标：基础数据还未同步</translation>
    </message>
    <message>
        <source>Three-way call with {unit}</source>
        <translation>与{unit}三方通话中</translation>
    </message>
    <message>
        <source>Transferred to {unit}</source>
        <translation>已转接{unit}</translation>
    </message>
    <message>
        <source>the platform did not take it</source>
        <translation>平台未接受</translation>
    </message>
    <message>
        <source>The call command failed: {reason}</source>
        <translation>话务操作失败：{reason}</translation>
    </message>
</context>
<context>
    <name>CallbackQueueModel</name>
    <message>
        <source>Replied</source>
        <translation>答复时间</translation>
    </message>
    <message>
        <source>Number</source>
        <translation>工单编号</translation>
    </message>
    <message>
        <source>Caller</source>
        <translation>来电号码</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <source>Lead unit</source>
        <translation>主办单位</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>回访次数</translation>
    </message>
    <message>
        <source>Case kind</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Satisfaction of this kind of case is reported apart</source>
        <translation>此类工单的满意度单独统计</translation>
    </message>
    <message>
        <source>Calling back…</source>
        <translation>正在回访…</translation>
    </message>
    <message>
        <source>Law enforcement</source>
        <translation>执法类</translation>
    </message>
    <message>
        <source>Mediation</source>
        <translation>调解类</translation>
    </message>
</context>
<context>
    <name>CallbackQueuePage</name>
    <message>
        <source>Callbacks</source>
        <translation>回访</translation>
    </message>
    <message>
        <source>Read the callback queue again</source>
        <translation>刷新待回访列表</translation>
    </message>
    <message>
        <source>Call the requester back</source>
        <translation>回访诉求人</translation>
    </message>
    <message>
        <source>Satisfaction: {level}</source>
        <translation>满意度：{level}</translation>
    </message>
    <message>
        <source>Resolved: yes</source>
        <translation>问题已解决</translation>
    </message>
    <message>
        <source>Resolved: no</source>
        <translation>问题未解决</translation>
    </message>
    <message>
        <source>Not reached: record an attempt only</source>
        <translation>未接通：仅记录一次回访</translation>
    </message>
    <message>
        <source>Record the callback</source>
        <translation>保存回访结果</translation>
    </message>
    <message>
        <source>Close the callback panel</source>
        <translation>关闭回访面板</translation>
    </message>
    <message>
        <source>Y Yes</source>
        <translation>Y 已解决</translation>
    </message>
    <message>
        <source>N No</source>
        <translation>N 未解决</translation>
    </message>
    <message>
        <source>0 Not reached</source>
        <translation>0 未接通</translation>
    </message>
    <message>
        <source>Resolved?</source>
        <translation>是否解决？</translation>
    </message>
    <message>
        <source>Note: what the requester said</source>
        <translation>备注：诉求人的反馈</translation>
    </message>
    <message>
        <source>Very satisfied</source>
        <translation>非常满意</translation>
    </message>
    <message>
        <source>Satisfied</source>
        <translation>满意</translation>
    </message>
    <message>
        <source>Basically satisfied</source>
        <translation>基本满意</translation>
    </message>
    <message>
        <source>Dissatisfied</source>
        <translation>不满意</translation>
    </message>
    <message>
        <source>Very dissatisfied</source>
        <translation>非常不满意</translation>
    </message>
    <message>
        <source>Signed out: sign in to see the callback queue.</source>
        <translation>未登录：登录后查看待回访工单。</translation>
    </message>
    <message>
        <source>Awaiting a callback: {count}</source>
        <translation>待回访：{count}</translation>
    </message>
    <message>
        <source>Callback for order {order} to {number}: satisfaction 1-5, resolved Y/N, not reached 0</source>
        <translation>回访工单 {order}（{number}）：满意度按 1-5，是否解决按 Y/N，未接通按 0</translation>
    </message>
    <message>
        <source>Dissatisfied or not resolved: the order will be reopened and go back to the handling unit.</source>
        <translation>不满意或未解决：工单将重新办理，退回承办单位。</translation>
    </message>
    <message>
        <source>Law enforcement or mediation: resolved, the order will be closed; the satisfaction is recorded and reported apart.</source>
        <translation>执法类或调解类：已解决即办结，满意度照实记录并单独统计，不因不满意而重办。</translation>
    </message>
    <message>
        <source>Satisfied and resolved: the order will be closed.</source>
        <translation>满意且已解决：工单将办结。</translation>
    </message>
    <message>
        <source>Choose the satisfaction (1-5) and whether it was resolved (Y/N), or 0 if the requester was not reached.</source>
        <translation>请选择满意度（1-5）和是否解决（Y/N）；未接通请按 0。</translation>
    </message>
    <message>
        <source>The result could not be saved: {error}</source>
        <translation>回访结果未能保存：{error}</translation>
    </message>
    <message>
        <source>Not reached: the attempt is recorded and the order stays in the queue; not reached on the centre&apos;s number of different days (3 unless set otherwise), it closes as unreachable.</source>
        <translation>未联系上：记录本次回访，工单留在回访队列；在中心规定的不同天数内（默认 3 天）均未联系上的，按无法联系办结。</translation>
    </message>
    <message>
        <source>Order {order}: attempt recorded, the order stays in the queue</source>
        <translation>工单 {order}：已记录回访未接通，工单仍待回访</translation>
    </message>
    <message>
        <source>Order {order}: {level}, resolved: closed</source>
        <translation>工单 {order}：{level}，已解决：已办结</translation>
    </message>
    <message>
        <source>Order {order}: {level}: reopened, back to the handling unit</source>
        <translation>工单 {order}：{level}：重新办理，已退回承办单位</translation>
    </message>
    <message>
        <source>The platform refused the callback of order {order}: {reason}</source>
        <translation>平台拒绝了工单 {order} 的回访结果：{reason}</translation>
    </message>
</context>
<context>
    <name>CallbackScriptBox</name>
    <message>
        <source>The callback script: read it to the requester</source>
        <translation>回访话术：请向诉求人宣读</translation>
    </message>
</context>
<context>
    <name>CallerCard</name>
    <message>
        <source>Caller</source>
        <translation>来电人</translation>
    </message>
    <message>
        <source>No call. The caller&apos;s details appear here when a call rings.</source>
        <translation>当前无来电。来电振铃时，这里显示来电人信息。</translation>
    </message>
    <message>
        <source>Confidential</source>
        <translation>保密</translation>
    </message>
    <message>
        <source>The caller asked for confidentiality: never disclose their name or number</source>
        <translation>来电人要求保密：不得泄露其姓名和号码</translation>
    </message>
    <message>
        <source>Show number in full</source>
        <translation>显示完整号码</translation>
    </message>
    <message>
        <source>Show the number in full; the team lead can see that you did ({shortcut})</source>
        <translation>显示完整号码，此操作将留痕供班长查看（{shortcut}）</translation>
    </message>
    <message>
        <source>Not a valid number; location unknown</source>
        <translation>号码无效，归属地未知</translation>
    </message>
    <message>
        <source>Service number</source>
        <translation>服务号码</translation>
    </message>
    <message>
        <source>400/800 number</source>
        <translation>400/800 号码</translation>
    </message>
    <message>
        <source>Location unknown</source>
        <translation>归属地未知</translation>
    </message>
    <message>
        <source>Name not given</source>
        <translation>未留姓名</translation>
    </message>
    <message>
        <source>Unknown caller</source>
        <translation>未知来电人</translation>
    </message>
    <message>
        <source>This caller has an open work order {number}</source>
        <translation>该来电人有未办结工单 {number}</translation>
    </message>
    <message>
        <source>This caller has {count} open work orders, newest {number}</source>
        <translation>该来电人有 {count} 件未办结工单，最新 {number}</translation>
    </message>
    <message>
        <source>Called within 30 days about: {categories}</source>
        <translation>30天内曾来电：{categories}</translation>
    </message>
    <message>
        <source>History from the local cache: the platform cannot be reached</source>
        <translation>历史记录来自本地缓存：无法连接平台</translation>
    </message>
    <message>
        <source>History from the local cache: the platform refused the request ({code})</source>
        <translation>历史记录来自本地缓存：平台拒绝了请求（{code}）</translation>
    </message>
</context>
<context>
    <name>CallerOrdersModel</name>
    <message>
        <source>Number</source>
        <translation>工单编号</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>受理日期</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <source>Deadline</source>
        <translation>办理时限</translation>
    </message>
    <message>
        <source>Recorded on this seat; not yet confirmed by the platform</source>
        <translation>本座席已登记，平台尚未确认</translation>
    </message>
    <message>
        <source>Overdue</source>
        <translation>已超期</translation>
    </message>
    <message>
        <source>Provisional deadline</source>
        <translation>暂定时限</translation>
    </message>
</context>
<context>
    <name>CategoryPathModel</name>
    <message>
        <source>Partial match: check that it is what the caller means</source>
        <translation>部分匹配：请确认是否为来电人所述事项</translation>
    </message>
</context>
<context>
    <name>DeskTexts</name>
    <message>
        <source>The platform refused the supervision of order {number}: {reason}</source>
        <translation>平台拒绝了对工单 {number} 的督办：{reason}</translation>
    </message>
    <message>
        <source>The platform refused the dispatch of order {number}: {reason}</source>
        <translation>平台拒绝了工单 {number} 的派单：{reason}</translation>
    </message>
    <message>
        <source>The platform refused the decision on order {number}: {reason}</source>
        <translation>平台拒绝了对工单 {number} 的审核意见：{reason}</translation>
    </message>
    <message>
        <source>Return</source>
        <translation>退单</translation>
    </message>
    <message>
        <source>Extension</source>
        <translation>延期</translation>
    </message>
    <message>
        <source>Unreasonable repeat</source>
        <translation>无理重复诉求</translation>
    </message>
    <message>
        <source>Merged</source>
        <translation>已并单</translation>
    </message>
    <message>
        <source>Repeat review</source>
        <translation>重复诉求审核</translation>
    </message>
    <message>
        <source>(kept here until the platform can be reached)</source>
        <translation>（已保存在本机，平台可连接后提交）</translation>
    </message>
</context>
<context>
    <name>DialogButtons</name>
    <message>
        <source>Send (Ctrl+Enter)</source>
        <translation>发送（Ctrl+Enter）</translation>
    </message>
    <message>
        <source>Cancel (Esc)</source>
        <translation>取消（Esc）</translation>
    </message>
</context>
<context>
    <name>DispatchPage</name>
    <message>
        <source>Dispatch</source>
        <translation>派单台</translation>
    </message>
    <message>
        <source>Lead unit</source>
        <translation>主办单位</translation>
    </message>
    <message>
        <source>Assisting units</source>
        <translation>协办单位</translation>
    </message>
    <message>
        <source>Time limit (working days)</source>
        <translation>办理时限（工作日）</translation>
    </message>
    <message>
        <source>Instructions</source>
        <translation>派单意见</translation>
    </message>
    <message>
        <source>Dispatch the selected orders…</source>
        <translation>派发所选工单…</translation>
    </message>
    <message>
        <source>Take the suggested unit</source>
        <translation>采用建议的承办单位</translation>
    </message>
    <message>
        <source>Dispatch now</source>
        <translation>派发</translation>
    </message>
    <message>
        <source>Back to the list</source>
        <translation>返回列表</translation>
    </message>
    <message>
        <source>Read the queue again</source>
        <translation>重新读取待派工单</translation>
    </message>
    <message>
        <source>Type part of the unit&apos;s name</source>
        <translation>输入单位名称的一部分</translation>
    </message>
    <message>
        <source>Assisting units, if any, separated by 、</source>
        <translation>协办单位（如有），用“、”分隔</translation>
    </message>
    <message>
        <source>What the units should do or check (optional)</source>
        <translation>给承办单位的办理要求（可不填）</translation>
    </message>
    <message>
        <source>{count} orders waiting for dispatch</source>
        <translation>待派工单 {count} 件</translation>
    </message>
    <message>
        <source>{count} orders selected: Ctrl+Enter dispatches them all to the same unit</source>
        <translation>已选 {count} 件：Ctrl+Enter 一并派给同一单位</translation>
    </message>
    <message>
        <source>No order selected.</source>
        <translation>未选择工单。</translation>
    </message>
    <message>
        <source>Order {number}: {title}</source>
        <translation>工单 {number}：{title}</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>诉求类型</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>诉求分类</translation>
    </message>
    <message>
        <source>District</source>
        <translation>事发地址</translation>
    </message>
    <message>
        <source>Caller</source>
        <translation>来电号码</translation>
    </message>
    <message>
        <source>Accepted at</source>
        <translation>受理时间</translation>
    </message>
    <message>
        <source>Why waiting</source>
        <translation>待派原因</translation>
    </message>
    <message>
        <source>Content</source>
        <translation>诉求内容</translation>
    </message>
    <message>
        <source>No unit handles this category: choose one</source>
        <translation>没有单位负责此分类：请选择承办单位</translation>
    </message>
    <message>
        <source>Suggested: {unit} (Alt+S)</source>
        <translation>建议承办：{unit}（Alt+S）</translation>
    </message>
    <message>
        <source>assisting: {units}</source>
        <translation>协办：{units}</translation>
    </message>
    <message>
        <source>by the dispatch rule: {note}</source>
        <translation>依派单规则：{note}</translation>
    </message>
    <message>
        <source>Choose the lead unit from the list (type part of its name).</source>
        <translation>请从列表中选择主办单位（输入名称的一部分）。</translation>
    </message>
    <message>
        <source>No unit is called {name}.</source>
        <translation>没有名为“{name}”的单位。</translation>
    </message>
    <message>
        <source>The lead unit cannot also assist.</source>
        <translation>主办单位不能同时作为协办单位。</translation>
    </message>
    <message>
        <source>At most {count} assisting units, each once.</source>
        <translation>协办单位最多 {count} 个，且不能重复。</translation>
    </message>
    <message>
        <source>The dispatch could not be saved: {error}</source>
        <translation>派单未能保存：{error}</translation>
    </message>
    <message>
        <source>Order {number} dispatched to {unit}</source>
        <translation>工单 {number} 已派给 {unit}</translation>
    </message>
    <message>
        <source>{count} orders dispatched to {unit}</source>
        <translation>{count} 件工单已派给 {unit}</translation>
    </message>
</context>
<context>
    <name>DispatchQueueModel</name>
    <message>
        <source>Urgency</source>
        <translation>紧急程度</translation>
    </message>
    <message>
        <source>Order</source>
        <translation>工单号</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>诉求分类</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <source>District</source>
        <translation>区域</translation>
    </message>
    <message>
        <source>Waiting since</source>
        <translation>受理时间</translation>
    </message>
    <message>
        <source>Why</source>
        <translation>待派原因</translation>
    </message>
    <message>
        <source>Sent back by the partner platform</source>
        <translation>联动平台退回</translation>
    </message>
    <message>
        <source>Returned by its unit</source>
        <translation>承办单位退回</translation>
    </message>
    <message>
        <source>New</source>
        <translation>新受理</translation>
    </message>
    <message>
        <source>Urgent</source>
        <translation>紧急</translation>
    </message>
    <message>
        <source>Normal</source>
        <translation>一般</translation>
    </message>
</context>
<context>
    <name>EscalateDialog</name>
    <message>
        <source>Ask an expert</source>
        <translation>升级求助专家</translation>
    </message>
    <message>
        <source>What do you need the expert to answer? Ctrl+Enter sends, Esc cancels</source>
        <translation>需要专家解答什么？Ctrl+Enter 发送，Esc 取消</translation>
    </message>
    <message>
        <source>Attach the current call ({number})</source>
        <translation>附带当前通话（{number}）</translation>
    </message>
    <message>
        <source>number withheld</source>
        <translation>未显示号码</translation>
    </message>
    <message>
        <source>Attach the current call (no call now)</source>
        <translation>附带当前通话（当前无通话）</translation>
    </message>
    <message>
        <source>Send to the experts</source>
        <translation>发送给专家坐席</translation>
    </message>
    <message>
        <source>Expert group</source>
        <translation>专家组</translation>
    </message>
    <message>
        <source>Question</source>
        <translation>问题</translation>
    </message>
    <message>
        <source>Write the question first.</source>
        <translation>请先填写问题。</translation>
    </message>
    <message>
        <source>The question is too long ({count} of at most {limit} characters).</source>
        <translation>问题过长（{count} 字，最多 {limit} 字）。</translation>
    </message>
    <message>
        <source>The escalation could not be recorded: {error}</source>
        <translation>升级求助未能保存：{error}</translation>
    </message>
</context>
<context>
    <name>EscalationInbox</name>
    <message>
        <source>Expert escalations</source>
        <translation>专家求助</translation>
    </message>
    <message>
        <source>Your answer for the agent. Ctrl+Enter sends</source>
        <translation>给话务员的答复。Ctrl+Enter 发送</translation>
    </message>
    <message>
        <source>The agent&apos;s draft</source>
        <translation>话务员的工单草稿</translation>
    </message>
    <message>
        <source>Send the answer</source>
        <translation>发送答复</translation>
    </message>
    <message>
        <source>Claim the escalation</source>
        <translation>认领求助</translation>
    </message>
    <message>
        <source>Join the call</source>
        <translation>加入通话</translation>
    </message>
    <message>
        <source>Propose a knowledge change</source>
        <translation>提出知识库修改建议</translation>
    </message>
    <message>
        <source>Read the list again</source>
        <translation>刷新列表</translation>
    </message>
    <message>
        <source>The platform refused to list the escalations ({code}): {reason}</source>
        <translation>平台拒绝列出求助（{code}）：{reason}</translation>
    </message>
    <message>
        <source>The escalation is no longer in the list.</source>
        <translation>该求助已不在列表中。</translation>
    </message>
    <message>
        <source>The agent cancelled this escalation.</source>
        <translation>话务员已撤销该求助。</translation>
    </message>
    <message>
        <source>{expert} answered this escalation.</source>
        <translation>{expert} 已答复该求助。</translation>
    </message>
    <message>
        <source>Signed out: sign in to see the escalations.</source>
        <translation>未登录：登录后查看求助。</translation>
    </message>
    <message>
        <source>{count} escalations waiting</source>
        <translation>{count} 条求助待处理</translation>
    </message>
    <message>
        <source>Offline: showing the list of {time}; what you send goes when the link is back</source>
        <translation>离线：显示 {time} 的列表；发送的内容将在网络恢复后上传</translation>
    </message>
    <message>
        <source>No escalation selected.</source>
        <translation>未选择求助。</translation>
    </message>
    <message>
        <source>From {agent} (seat {seat})</source>
        <translation>来自 {agent}（坐席 {seat}）</translation>
    </message>
    <message>
        <source>with a call</source>
        <translation>附带通话</translation>
    </message>
    <message>
        <source>joined</source>
        <translation>已加入通话</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>诉求类型</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>分类</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <source>Content</source>
        <translation>诉求内容</translation>
    </message>
    <message>
        <source>Reply so far</source>
        <translation>已拟答复</translation>
    </message>
    <message>
        <source>Expert&apos;s answer</source>
        <translation>专家答复</translation>
    </message>
    <message>
        <source>The agent sent no draft.</source>
        <translation>话务员未附工单草稿。</translation>
    </message>
    <message>
        <source>The escalation is closed already.</source>
        <translation>该求助已结束。</translation>
    </message>
    <message>
        <source>{expert} has claimed this escalation.</source>
        <translation>{expert} 已认领该求助。</translation>
    </message>
    <message>
        <source>Write the answer first.</source>
        <translation>请先填写答复。</translation>
    </message>
    <message>
        <source>The answer is too long ({count} of at most {limit} characters).</source>
        <translation>答复过长（{count} 字，最多 {limit} 字）。</translation>
    </message>
    <message>
        <source>The answer could not be saved: {error}</source>
        <translation>答复未能保存：{error}</translation>
    </message>
    <message>
        <source>Answer sent: it goes into the agent&apos;s form.</source>
        <translation>答复已发送，将填入话务员的工单。</translation>
    </message>
    <message>
        <source>This escalation came without a call to join.</source>
        <translation>该求助未附带通话，无法加入。</translation>
    </message>
    <message>
        <source>The change could not be saved: {error}</source>
        <translation>操作未能保存：{error}</translation>
    </message>
    <message>
        <source>Claimed: the agent sees that you are on it.</source>
        <translation>已认领：话务员可以看到您正在处理。</translation>
    </message>
    <message>
        <source>Joining the call: the agent has been told.</source>
        <translation>正在加入通话：已通知话务员。</translation>
    </message>
    <message>
        <source>Knowledge change proposed: a team lead reviews it.</source>
        <translation>知识库修改建议已提交，等待班长审核。</translation>
    </message>
</context>
<context>
    <name>EscalationModel</name>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Group</source>
        <translation>专家组</translation>
    </message>
    <message>
        <source>Agent</source>
        <translation>话务员</translation>
    </message>
    <message>
        <source>Waiting for</source>
        <translation>已等待</translation>
    </message>
    <message>
        <source>Question</source>
        <translation>问题</translation>
    </message>
</context>
<context>
    <name>EscalationTexts</name>
    <message>
        <source>General</source>
        <translation>综合</translation>
    </message>
    <message>
        <source>Policy</source>
        <translation>政策</translation>
    </message>
    <message>
        <source>Legal</source>
        <translation>法律</translation>
    </message>
    <message>
        <source>Technical</source>
        <translation>技术</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>待认领</translation>
    </message>
    <message>
        <source>Claimed by me</source>
        <translation>我已认领</translation>
    </message>
    <message>
        <source>Claimed by {expert}</source>
        <translation>{expert} 已认领</translation>
    </message>
    <message>
        <source>Answered</source>
        <translation>已答复</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>已撤销</translation>
    </message>
    <message>
        <source>just now</source>
        <translation>刚刚</translation>
    </message>
    <message>
        <source>{minutes} min</source>
        <translation>{minutes} 分钟</translation>
    </message>
    <message>
        <source>{hours} h {minutes} min</source>
        <translation>{hours} 小时 {minutes} 分钟</translation>
    </message>
    <message>
        <source>Another expert has claimed this escalation: {reason}</source>
        <translation>其他专家已认领该求助：{reason}</translation>
    </message>
    <message>
        <source>The escalation is closed already: {reason}</source>
        <translation>该求助已结束：{reason}</translation>
    </message>
    <message>
        <source>Your role may not do this: {reason}</source>
        <translation>您的角色无权进行此操作：{reason}</translation>
    </message>
    <message>
        <source>The platform refused the change ({code}): {reason}</source>
        <translation>平台拒绝了该操作（{code}）：{reason}</translation>
    </message>
</context>
<context>
    <name>FiguresPage</name>
    <message>
        <source>Figures</source>
        <translation>统计分析</translation>
    </message>
    <message>
        <source>Period</source>
        <translation>统计期间</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>今天</translation>
    </message>
    <message>
        <source>Last 7 days</source>
        <translation>近 7 天</translation>
    </message>
    <message>
        <source>Last 30 days</source>
        <translation>近 30 天</translation>
    </message>
    <message>
        <source>Read the figures again</source>
        <translation>重新读取统计</translation>
    </message>
    <message>
        <source>Reading the figures…</source>
        <translation>正在读取统计…</translation>
    </message>
    <message>
        <source>Figures of {start} to {end}</source>
        <translation>{start} 至 {end} 的统计</translation>
    </message>
    <message>
        <source>Figures of {day}</source>
        <translation>{day} 的统计</translation>
    </message>
    <message>
        <source>Calls {calls}, answered {answered} ({answer_rate}); orders {orders}, closed {closed}, closed on time {on_time}; satisfaction {satisfaction}, resolved {resolved}</source>
        <translation>来电 {calls}，接通 {answered}（{answer_rate}）；工单 {orders}，办结 {closed}，按时办结率 {on_time}；满意率 {satisfaction}，解决率 {resolved}</translation>
    </message>
    <message>
        <source>Reported apart (R15): satisfaction of law-enforcement cases {law}, of mediation cases {mediation}; those close when the callback finds the matter resolved. Improper returns: returns the dispatcher refused, of those decided.</source>
        <translation>单独统计（R15）：行政执法类满意率 {law}，调解类满意率 {mediation}；此两类回访确认问题已解决即办结。不当退单：已审核退单中被派单员驳回的数量。</translation>
    </message>
    <message>
        <source>Units with the most orders</source>
        <translation>工单最多的承办单位</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>收到</translation>
    </message>
    <message>
        <source>Replied on time</source>
        <translation>按时答复</translation>
    </message>
    <message>
        <source>Overdue</source>
        <translation>逾期</translation>
    </message>
    <message>
        <source>Orders per district</source>
        <translation>各区县工单量</translation>
    </message>
    <message>
        <source>Orders</source>
        <translation>工单</translation>
    </message>
    <message>
        <source>Not given</source>
        <translation>未填写</translation>
    </message>
</context>
<context>
    <name>HelpOverlay</name>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>快捷键</translation>
    </message>
    <message>
        <source>Type to narrow the list (a key or a word)</source>
        <translation>输入按键或文字筛选</translation>
    </message>
    <message>
        <source>Esc or F1 closes</source>
        <translation>按 Esc 或 F1 关闭</translation>
    </message>
</context>
<context>
    <name>HotTopicsModel</name>
    <message>
        <source>Category</source>
        <translation>诉求分类</translation>
    </message>
    <message>
        <source>District</source>
        <translation>区域</translation>
    </message>
    <message>
        <source>Requests</source>
        <translation>诉求量</translation>
    </message>
    <message>
        <source>Usually</source>
        <translation>平时</translation>
    </message>
    <message>
        <source>Times usual</source>
        <translation>为平时的倍数</translation>
    </message>
    <message>
        <source>Whole city</source>
        <translation>全市</translation>
    </message>
</context>
<context>
    <name>HotTopicsPage</name>
    <message>
        <source>Hot topics</source>
        <translation>热点诉求</translation>
    </message>
    <message>
        <source>How they are found: the requests of the last three hours against the same hours of each of the previous seven days; a topic when so many would come by chance less than once in ten thousand times, with at least 5 requests and twice the usual number.</source>
        <translation>判定方法：最近三小时的诉求量与前七天同一时段比较；偶然出现如此多诉求的概率低于万分之一，且不少于 5 件、达到平时的两倍以上，即列为热点。</translation>
    </message>
    <message>
        <source>Read the hot topics again</source>
        <translation>重新读取热点诉求</translation>
    </message>
    <message>
        <source>{count} hot topics in the last three hours</source>
        <translation>最近三小时热点诉求 {count} 个</translation>
    </message>
    <message>
        <source>No category rises above its usual level now</source>
        <translation>目前没有诉求分类明显高于平时</translation>
    </message>
</context>
<context>
    <name>KbHitDelegate</name>
    <message>
        <source>Partial match</source>
        <translation>部分匹配</translation>
    </message>
    <message>
        <source>Expired</source>
        <translation>已过期</translation>
    </message>
</context>
<context>
    <name>KbHitModel</name>
    <message>
        <source>Expired</source>
        <translation>已过期</translation>
    </message>
</context>
<context>
    <name>KbProposalDialog</name>
    <message>
        <source>Propose a knowledge change</source>
        <translation>提出知识库修改建议</translation>
    </message>
    <message>
        <source>Search the entry to change (pinyin initials work too)</source>
        <translation>搜索要修改的知识条目（支持拼音首字母）</translation>
    </message>
    <message>
        <source>The answer the entry should give</source>
        <translation>条目应有的答复口径</translation>
    </message>
    <message>
        <source>Why it should change. Ctrl+Enter sends, Esc cancels</source>
        <translation>修改理由。Ctrl+Enter 发送，Esc 取消</translation>
    </message>
    <message>
        <source>Send the proposal</source>
        <translation>提交修改建议</translation>
    </message>
    <message>
        <source>Entry</source>
        <translation>知识条目</translation>
    </message>
    <message>
        <source>Current answer</source>
        <translation>现行答复口径</translation>
    </message>
    <message>
        <source>Proposed answer</source>
        <translation>建议答复口径</translation>
    </message>
    <message>
        <source>Comment</source>
        <translation>修改理由</translation>
    </message>
    <message>
        <source>No entries found for “{query}”.</source>
        <translation>未找到与“{query}”相关的条目。</translation>
    </message>
    <message>
        <source>Pick the entry to change first.</source>
        <translation>请先选择要修改的条目。</translation>
    </message>
    <message>
        <source>Write the answer the entry should give.</source>
        <translation>请填写条目应有的答复口径。</translation>
    </message>
    <message>
        <source>The proposed answer is too long ({count} of at most {limit} characters).</source>
        <translation>建议答复过长（{count} 字，最多 {limit} 字）。</translation>
    </message>
    <message>
        <source>Write why it should change (at most {limit} characters).</source>
        <translation>请填写修改理由（最多 {limit} 字）。</translation>
    </message>
    <message>
        <source>The proposal could not be saved: {error}</source>
        <translation>修改建议未能保存：{error}</translation>
    </message>
</context>
<context>
    <name>KbReviewModel</name>
    <message>
        <source>Entry</source>
        <translation>条目</translation>
    </message>
    <message>
        <source>Report</source>
        <translation>反映内容</translation>
    </message>
    <message>
        <source>Proposed answer</source>
        <translation>建议答复</translation>
    </message>
    <message>
        <source>Reported by</source>
        <translation>反映人</translation>
    </message>
    <message>
        <source>Reported at</source>
        <translation>反映时间</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>有</translation>
    </message>
</context>
<context>
    <name>KbReviewPage</name>
    <message>
        <source>Knowledge reports</source>
        <translation>知识库纠错</translation>
    </message>
    <message>
        <source>Now on the seats</source>
        <translation>当前口径</translation>
    </message>
    <message>
        <source>Proposed</source>
        <translation>建议修改为</translation>
    </message>
    <message>
        <source>The answer the entry will have</source>
        <translation>条目将采用的答复口径</translation>
    </message>
    <message>
        <source>Note for the reporter (required to reject). Ctrl+Enter records</source>
        <translation>给反映人的说明（驳回时必填）。Ctrl+Enter 提交</translation>
    </message>
    <message>
        <source>Accept</source>
        <translation>采纳</translation>
    </message>
    <message>
        <source>Reject</source>
        <translation>驳回</translation>
    </message>
    <message>
        <source>Record the decision</source>
        <translation>提交决定</translation>
    </message>
    <message>
        <source>Back to the list</source>
        <translation>返回列表</translation>
    </message>
    <message>
        <source>Read the reports again</source>
        <translation>重新读取纠错列表</translation>
    </message>
    <message>
        <source>{count} reports waiting</source>
        <translation>待处理 {count} 条</translation>
    </message>
    <message>
        <source>No report selected.</source>
        <translation>未选择纠错。</translation>
    </message>
    <message>
        <source>{who} reports: {comment}</source>
        <translation>{who} 反映：{comment}</translation>
    </message>
    <message>
        <source>version {version}</source>
        <translation>第 {version} 版</translation>
    </message>
    <message>
        <source>This entry is not on the platform any more.</source>
        <translation>平台上已无此条目。</translation>
    </message>
    <message>
        <source>(no answer proposed)</source>
        <translation>（未提出修改答复）</translation>
    </message>
    <message>
        <source>Decision: accept. Check the answer, then Ctrl+Enter</source>
        <translation>决定：采纳。核对答复后按 Ctrl+Enter</translation>
    </message>
    <message>
        <source>Decision: reject. Write the reason, then Ctrl+Enter</source>
        <translation>决定：驳回。填写原因后按 Ctrl+Enter</translation>
    </message>
    <message>
        <source>Press A to accept or R to reject</source>
        <translation>按 A 采纳，按 R 驳回</translation>
    </message>
    <message>
        <source>Choose first: A accepts, R rejects.</source>
        <translation>请先选择：A 采纳，R 驳回。</translation>
    </message>
    <message>
        <source>Write the reason for the rejection first.</source>
        <translation>请先填写驳回原因。</translation>
    </message>
    <message>
        <source>Write the answer the entry will have first.</source>
        <translation>请先填写条目将采用的答复。</translation>
    </message>
    <message>
        <source>Too long: a note has at most {note}, an answer {answer} characters.</source>
        <translation>内容过长：说明最多 {note} 字，答复最多 {answer} 字。</translation>
    </message>
    <message>
        <source>The decision could not be saved: {error}</source>
        <translation>决定未能保存：{error}</translation>
    </message>
    <message>
        <source>Accepted: “{title}” gets the new answer</source>
        <translation>已采纳：“{title}”将更新答复口径</translation>
    </message>
    <message>
        <source>Rejected: the report on “{title}”</source>
        <translation>已驳回：关于“{title}”的纠错</translation>
    </message>
</context>
<context>
    <name>KnowledgePane</name>
    <message>
        <source>Search the knowledge base</source>
        <translation>搜索知识库</translation>
    </message>
    <message>
        <source>Insert the approved answer</source>
        <translation>插入标准答复</translation>
    </message>
    <message>
        <source>Report an error in this entry</source>
        <translation>纠错</translation>
    </message>
    <message>
        <source>Send the correction</source>
        <translation>提交纠错</translation>
    </message>
    <message>
        <source>Cancel the correction</source>
        <translation>取消纠错</translation>
    </message>
    <message>
        <source>Search the knowledge base (pinyin initials work too)</source>
        <translation>搜索知识库（支持拼音首字母）</translation>
    </message>
    <message>
        <source>What is wrong in this entry? Ctrl+Enter sends, Esc cancels</source>
        <translation>请说明该条目哪里有误。Ctrl+Enter 提交，Esc 取消</translation>
    </message>
    <message>
        <source>Signed out: sign in to search the knowledge base.</source>
        <translation>未登录：请登录后搜索知识库。</translation>
    </message>
    <message>
        <source>Type words or pinyin initials to search.</source>
        <translation>输入关键词或拼音首字母进行搜索。</translation>
    </message>
    <message>
        <source>The local knowledge base cannot be read: {error}</source>
        <translation>无法读取本地知识库：{error}</translation>
    </message>
    <message>
        <source>Show the previous version of this entry</source>
        <translation>查看此条目的上一版本</translation>
    </message>
    <message>
        <source>List the answers published or changed lately</source>
        <translation>列出最近发布或更新的答复口径</translation>
    </message>
    <message>
        <source>{count} entries found</source>
        <translation>找到 {count} 条</translation>
    </message>
    <message>
        <source>No entries found for “{query}”.</source>
        <translation>未找到与“{query}”相关的条目。</translation>
    </message>
    <message>
        <source>Answers published or changed lately: {count}, {new} of them new. Type to search.</source>
        <translation>最近发布或更新的口径 {count} 条，其中 {new} 条未读。输入文字即可搜索。</translation>
    </message>
    <message>
        <source>Answers published or changed lately: {count}. Type to search.</source>
        <translation>最近发布或更新的口径 {count} 条。输入文字即可搜索。</translation>
    </message>
    <message>
        <source>New answer</source>
        <translation>新口径</translation>
    </message>
    <message>
        <source>Answer changed</source>
        <translation>口径更新</translation>
    </message>
    <message>
        <source>applies from {day}</source>
        <translation>{day} 起施行</translation>
    </message>
    <message>
        <source>Pick a result to see the whole entry.</source>
        <translation>选择一条结果查看完整内容。</translation>
    </message>
    <message>
        <source>Expired on {date}: check the current policy before using this answer.</source>
        <translation>已于 {date} 过期：使用此答复前请核实现行政策。</translation>
    </message>
    <message>
        <source>Not in force before {date}.</source>
        <translation>{date} 起生效，目前尚未生效。</translation>
    </message>
    <message>
        <source>Approved answer</source>
        <translation>标准答复</translation>
    </message>
    <message>
        <source>{start} to {end}</source>
        <translation>{start} 至 {end}</translation>
    </message>
    <message>
        <source>no end date</source>
        <translation>长期有效</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>分类</translation>
    </message>
    <message>
        <source>Source department</source>
        <translation>来源部门</translation>
    </message>
    <message>
        <source>Policy basis</source>
        <translation>政策依据</translation>
    </message>
    <message>
        <source>Valid</source>
        <translation>有效期</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>版本</translation>
    </message>
    <message>
        <source>Keywords</source>
        <translation>关键词</translation>
    </message>
    <message>
        <source>Inserted the expired answer of “{title}”: check it before reading it out.</source>
        <translation>已插入已过期的《{title}》答复口径：请核实后再读给来电人。</translation>
    </message>
    <message>
        <source>Inserted the answer of “{title}”.</source>
        <translation>已插入《{title}》的答复口径。</translation>
    </message>
    <message>
        <source>The previous version could not be read: {error}</source>
        <translation>无法读取上一版本：{error}</translation>
    </message>
    <message>
        <source>This is the entry&apos;s first version.</source>
        <translation>这是该条目的第一个版本。</translation>
    </message>
    <message>
        <source>Previous version {version}, changed by {who} on {when}</source>
        <translation>上一版本（第 {version} 版），{who} 修改于 {when}</translation>
    </message>
    <message>
        <source>The previous version is shown under the current one.</source>
        <translation>上一版本显示在当前版本下方。</translation>
    </message>
    <message>
        <source>Write what is wrong first.</source>
        <translation>请先填写纠错内容。</translation>
    </message>
    <message>
        <source>The comment is too long ({count} of at most {limit} characters).</source>
        <translation>纠错内容过长（{count} 字，最多 {limit} 字）。</translation>
    </message>
    <message>
        <source>The correction could not be saved: {error}</source>
        <translation>纠错未能保存：{error}</translation>
    </message>
    <message>
        <source>Correction submitted</source>
        <translation>已提交纠错</translation>
    </message>
</context>
<context>
    <name>LexiconModel</name>
    <message>
        <source>What callers say</source>
        <translation>来电人说法</translation>
    </message>
    <message>
        <source>Words the entries use</source>
        <translation>知识库用语</translation>
    </message>
</context>
<context>
    <name>LexiconPage</name>
    <message>
        <source>Search lexicon</source>
        <translation>检索词库</translation>
    </message>
    <message>
        <source>What callers say</source>
        <translation>来电人说法</translation>
    </message>
    <message>
        <source>Words the entries use</source>
        <translation>知识库用语</translation>
    </message>
    <message>
        <source>Find a term or a word</source>
        <translation>查找说法或用语</translation>
    </message>
    <message>
        <source>New line</source>
        <translation>新增词条</translation>
    </message>
    <message>
        <source>Edit the line selected</source>
        <translation>编辑所选词条</translation>
    </message>
    <message>
        <source>Save the line</source>
        <translation>保存词条</translation>
    </message>
    <message>
        <source>Back to the list</source>
        <translation>返回列表</translation>
    </message>
    <message>
        <source>Remove the line selected</source>
        <translation>删除所选词条</translation>
    </message>
    <message>
        <source>Put back the line removed last</source>
        <translation>恢复最近删除的词条</translation>
    </message>
    <message>
        <source>A word callers use, e.g. 不给退</source>
        <translation>来电人常用说法，如：不给退</translation>
    </message>
    <message>
        <source>The words the entries use, separated by 、 e.g. 退费、退款</source>
        <translation>知识库中的规范用语，用“、”分隔，如：退费、退款</translation>
    </message>
    <message>
        <source>The lexicon of this seat cannot be read</source>
        <translation>无法读取本机的检索词库</translation>
    </message>
    <message>
        <source>{count} terms</source>
        <translation>共 {count} 条</translation>
    </message>
    <message>
        <source>{shown} of {count} terms</source>
        <translation>{shown} / {count} 条</translation>
    </message>
    <message>
        <source>{term} is in the lexicon already: select it and press Enter to change it</source>
        <translation>“{term}”已在词库中：选中后按 Enter 修改</translation>
    </message>
    <message>
        <source>Type the one word callers use (at most 64 characters, no spaces)</source>
        <translation>请输入一个来电人说法（不超过 64 个字，不含空格）</translation>
    </message>
    <message>
        <source>Type at least one word the entries use, at most {count}, separated by 、</source>
        <translation>请输入至少一个知识库用语（最多 {count} 个，用“、”分隔）</translation>
    </message>
    <message>
        <source>Saved {term}: this seat&apos;s search uses it now, the others after the upload</source>
        <translation>已保存“{term}”：本机检索立即生效，其他坐席在上传后生效</translation>
    </message>
    <message>
        <source>Removed {term}: Ctrl+Z puts it back</source>
        <translation>已删除“{term}”：按 Ctrl+Z 恢复</translation>
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
        <source>Work order</source>
        <translation>工单</translation>
    </message>
    <message>
        <source>Knowledge base</source>
        <translation>知识库</translation>
    </message>
    <message>
        <source>Desk</source>
        <translation>接听台</translation>
    </message>
    <message>
        <source>New answers: {count}</source>
        <translation>新口径 {count} 条</translation>
    </message>
    <message>
        <source>Answers published or changed lately, in the knowledge pane (Alt+K)</source>
        <translation>最近发布或更新的答复口径，在知识库窗格中查看（Alt+K）</translation>
    </message>
    <message>
        <source>Show keyboard shortcuts</source>
        <translation>显示快捷键</translation>
    </message>
    <message>
        <source>Restore the kept draft</source>
        <translation>恢复暂存的草稿</translation>
    </message>
    <message>
        <source>Ask an expert about this call or question</source>
        <translation>向专家求助（当前来电或问题）</translation>
    </message>
    <message>
        <source>Insert the expert&apos;s last answer into the reply</source>
        <translation>将专家最近的答复填入答复栏</translation>
    </message>
    <message>
        <source>Where is my case? Look up progress by number or phone</source>
        <translation>查询办理进度（按工单号或电话）</translation>
    </message>
    <message>
        <source>Phone settings…</source>
        <translation>电话设置…</translation>
    </message>
    <message>
        <source>Show page {number}</source>
        <translation>切换到第 {number} 页</translation>
    </message>
    <message>
        <source>Sign in again (type the password)</source>
        <translation>重新登录（输入密码）</translation>
    </message>
    <message>
        <source>Sign out…</source>
        <translation>退出登录…</translation>
    </message>
    <message>
        <source>Go to the work-order form (its first empty field)</source>
        <translation>转到工单表单（第一个未填项）</translation>
    </message>
    <message>
        <source>Go to the caller&apos;s history</source>
        <translation>转到来电人历史工单</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>Window</source>
        <translation>窗口</translation>
    </message>
    <message>
        <source>Call bar</source>
        <translation>通话栏</translation>
    </message>
    <message>
        <source>Caller card</source>
        <translation>来电人卡片</translation>
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
        <source>This account is locked after repeated wrong passwords: try again in {minutes} min, or ask an administrator to unlock it</source>
        <translation>该账户因多次输错密码已被锁定：请 {minutes} 分钟后再试，或请管理员解锁</translation>
    </message>
    <message>
        <source>Too many wrong passwords from this computer: try again in {minutes} min</source>
        <translation>这台电脑输错密码的次数过多：请 {minutes} 分钟后再试</translation>
    </message>
    <message>
        <source>This account is disabled: ask an administrator</source>
        <translation>该账户已停用：请联系管理员</translation>
    </message>
    <message>
        <source>This computer is not a registered seat: ask an administrator to register its address</source>
        <translation>此电脑不是已登记的席位：请管理员登记它的地址</translation>
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
        <source>This user&apos;s workstation is already open in another window on this computer: use that one</source>
        <translation>该用户的工作台已在本机另一个窗口中打开：请使用那个窗口</translation>
    </message>
    <message>
        <source>The unsaved work order was restored from its draft</source>
        <translation>已从草稿恢复未提交的工单</translation>
    </message>
    <message>
        <source>The local data of this workstation was damaged and has been rebuilt. {recovered} change(s) not yet uploaded were recovered and will be uploaded; the rest is fetched again from the platform.</source>
        <translation>本工作台的本地数据已损坏，现已重建。已找回 {recovered} 项尚未上传的修改，将会上传；其余数据从平台重新获取。</translation>
    </message>
    <message>
        <source>{count} draft(s) were recovered.</source>
        <translation>已找回 {count} 份草稿。</translation>
    </message>
    <message>
        <source>{count} change(s) could not be read and may be lost: check your last work orders.</source>
        <translation>有 {count} 项修改无法读取，可能已丢失：请核对您最近的工单。</translation>
    </message>
    <message>
        <source>The damaged file was kept as {name}.</source>
        <translation>损坏的文件已保留为 {name}。</translation>
    </message>
    <message>
        <source>Local data rebuilt</source>
        <translation>本地数据已重建</translation>
    </message>
    <message>
        <source>The local data of this workstation is damaged: save nothing more, quit (Ctrl+Q) and start again to repair it; changes not yet uploaded are recovered</source>
        <translation>本工作台的本地数据已损坏：请勿再保存，退出（Ctrl+Q）后重新启动即可修复；尚未上传的修改会被找回</translation>
    </message>
    <message>
        <source>The platform at {address} cannot be reached: working offline, what you record is uploaded when it is back</source>
        <translation>无法连接平台 {address}：正在离线工作，记录的内容将在恢复连接后上传</translation>
    </message>
    <message>
        <source>The platform no longer accepts this sign-in: press {keys} to type the password again; your work is kept and waits to be uploaded</source>
        <translation>平台已不再接受本次登录：按 {keys} 重新输入密码；已做的工作都保留，等待上传</translation>
    </message>
    <message>
        <source>Sent to the experts: their answer will appear in the reply</source>
        <translation>已提交专家坐席：专家答复将填入答复栏</translation>
    </message>
    <message>
        <source>The expert answered: the answer is in the reply</source>
        <translation>专家已答复：答复已填入答复栏</translation>
    </message>
    <message>
        <source>The expert answered an earlier question: Ctrl+Shift+A inserts it</source>
        <translation>专家已答复之前的问题：按 Ctrl+Shift+A 填入</translation>
    </message>
    <message>
        <source>Expert {name} is joining the call</source>
        <translation>专家 {name} 正在加入通话</translation>
    </message>
    <message>
        <source>Saved: the phone changes after the current call (sign in again)</source>
        <translation>已保存：当前通话结束后生效（请重新登录）</translation>
    </message>
    <message>
        <source>Phone settings applied</source>
        <translation>电话设置已生效</translation>
    </message>
    <message>
        <source>Dial {number} on the handset: this phone cannot dial from the workstation</source>
        <translation>请在话机上拨打 {number}：当前电话不支持从工作台外呼</translation>
    </message>
    <message>
        <source>Calling {number} back…</source>
        <translation>正在回拨 {number}…</translation>
    </message>
    <message>
        <source>The unfinished work order was kept as a draft</source>
        <translation>未完成的工单已暂存为草稿</translation>
    </message>
    <message>
        <source>The reveal was not recorded: {error}</source>
        <translation>显示完整号码未能记录：{error}</translation>
    </message>
    <message>
        <source>The call ended and its work order is not recorded yet: the draft is kept, record it now</source>
        <translation>通话已结束，工单尚未登记：草稿已保留，请尽快登记</translation>
    </message>
    <message>
        <source>No kept drafts</source>
        <translation>没有暂存的草稿</translation>
    </message>
    <message>
        <source>Work order {number} recorded</source>
        <translation>工单 {number} 已记录</translation>
    </message>
    <message>
        <source>Work order recorded; its number is pending the platform ({number})</source>
        <translation>工单已登记，编号待平台确认（{number}）</translation>
    </message>
    <message>
        <source>Work order number {number}: read it to the caller</source>
        <translation>工单编号 {number}：请告知来电人</translation>
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
        <source>Signing out: uploading what waits…</source>
        <translation>正在退出登录：正在上传待上传的内容…</translation>
    </message>
    <message>
        <source>Signed out</source>
        <translation>已退出登录</translation>
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
        <source>The platform&apos;s address must start with https://: plain http:// would send your password and callers&apos; details unencrypted (http:// is only for this computer).</source>
        <translation>平台地址必须以 https:// 开头：http:// 会以明文发送您的密码和来电人信息（http:// 仅用于本机）。</translation>
    </message>
    <message>
        <source>Cannot reach the platform at {address}, and this computer has no work of {user} to go on with offline: sign in when it is back</source>
        <translation>无法连接平台 {address}，本机也没有 {user} 的离线数据可继续工作：请在平台恢复后登录</translation>
    </message>
    <message>
        <source>Platform {address} is reachable; not signed in</source>
        <translation>平台 {address} 可访问，未登录</translation>
    </message>
</context>
<context>
    <name>MissedCallsModel</name>
    <message>
        <source>Missed at</source>
        <translation>未接时间</translation>
    </message>
    <message>
        <source>Number</source>
        <translation>号码</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Queue / line</source>
        <translation>队列/线路</translation>
    </message>
    <message>
        <source>How it ended</source>
        <translation>未接原因</translation>
    </message>
    <message>
        <source>Attempts</source>
        <translation>回访次数</translation>
    </message>
    <message>
        <source>Last outcome</source>
        <translation>上次回访结果</translation>
    </message>
    <message>
        <source>softphone</source>
        <translation>软电话</translation>
    </message>
    <message>
        <source>Calling back…</source>
        <translation>正在回拨…</translation>
    </message>
    <message>
        <source>Hung up while ringing</source>
        <translation>振铃时挂断</translation>
    </message>
    <message>
        <source>Abandoned in the queue</source>
        <translation>排队时放弃</translation>
    </message>
    <message>
        <source>Ended unanswered</source>
        <translation>未接通结束</translation>
    </message>
    <message>
        <source>Reached</source>
        <translation>已联系上</translation>
    </message>
    <message>
        <source>No answer</source>
        <translation>无人接听</translation>
    </message>
    <message>
        <source>Busy</source>
        <translation>占线</translation>
    </message>
    <message>
        <source>Invalid number</source>
        <translation>空号/错号</translation>
    </message>
    <message>
        <source>No longer needed</source>
        <translation>无需回访</translation>
    </message>
    <message>
        <source>Unreachable (3 attempts)</source>
        <translation>无法联系（已回访3次）</translation>
    </message>
</context>
<context>
    <name>MissedCallsPage</name>
    <message>
        <source>Missed calls</source>
        <translation>未接来电</translation>
    </message>
    <message>
        <source>Refresh the missed calls</source>
        <translation>刷新未接来电</translation>
    </message>
    <message>
        <source>Call back the selected caller</source>
        <translation>回拨所选来电人</translation>
    </message>
    <message>
        <source>Outcome: {outcome}</source>
        <translation>回访结果：{outcome}</translation>
    </message>
    <message>
        <source>Record the outcome</source>
        <translation>记录回访结果</translation>
    </message>
    <message>
        <source>Close the outcome panel</source>
        <translation>关闭回访结果面板</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Work order</source>
        <translation>工单</translation>
    </message>
    <message>
        <source>Optional: what was agreed with the caller</source>
        <translation>选填：与来电人约定的事项</translation>
    </message>
    <message>
        <source>Optional: number of the work order made on the call</source>
        <translation>选填：回访时新建工单的编号</translation>
    </message>
    <message>
        <source>Signed out: sign in to see the missed calls.</source>
        <translation>未登录：登录后查看未接来电。</translation>
    </message>
    <message>
        <source>Open callbacks: {count}</source>
        <translation>待回访：{count}</translation>
    </message>
    <message>
        <source>Missed calls: {count}</source>
        <translation>未接来电：{count}</translation>
    </message>
    <message>
        <source>Outcome of the callback to {who}: press 1-5</source>
        <translation>回访 {who} 的结果：按 1-5 选择</translation>
    </message>
    <message>
        <source>Choose the outcome first (keys 1-5).</source>
        <translation>请先选择回访结果（按 1-5）。</translation>
    </message>
    <message>
        <source>The outcome could not be saved: {error}</source>
        <translation>回访结果无法保存：{error}</translation>
    </message>
    <message>
        <source>Recorded for {number}: {outcome}</source>
        <translation>已记录 {number} 的回访结果：{outcome}</translation>
    </message>
    <message>
        <source>the callback was already closed (by another agent?)</source>
        <translation>该回访已办结（可能已由其他坐席处理）</translation>
    </message>
    <message>
        <source>the platform does not know this call</source>
        <translation>平台上没有这通来电</translation>
    </message>
    <message>
        <source>The platform refused the outcome ({outcome}): {reason}</source>
        <translation>平台未接受回访结果（{outcome}）：{reason}</translation>
    </message>
</context>
<context>
    <name>MyEscalations</name>
    <message>
        <source>Cancel my escalation</source>
        <translation>撤销我的求助</translation>
    </message>
    <message>
        <source>My escalations</source>
        <translation>我的求助</translation>
    </message>
    <message>
        <source>My escalations: {count} waiting</source>
        <translation>我的求助：{count} 条待答复</translation>
    </message>
    <message>
        <source>(offline: the answers arrive when the link is back)</source>
        <translation>（离线：网络恢复后接收答复）</translation>
    </message>
    <message>
        <source>Only a waiting or claimed escalation can be cancelled.</source>
        <translation>只能撤销待认领或已认领的求助。</translation>
    </message>
    <message>
        <source>Escalation cancelled</source>
        <translation>求助已撤销</translation>
    </message>
</context>
<context>
    <name>MyKbReportsModel</name>
    <message>
        <source>Entry</source>
        <translation>条目</translation>
    </message>
    <message>
        <source>Report</source>
        <translation>反映内容</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>处理结果</translation>
    </message>
    <message>
        <source>Editor&apos;s note</source>
        <translation>编辑说明</translation>
    </message>
    <message>
        <source>Reported at</source>
        <translation>反映时间</translation>
    </message>
    <message>
        <source>Waiting for the editors</source>
        <translation>待编辑处理</translation>
    </message>
    <message>
        <source>Accepted</source>
        <translation>已采纳</translation>
    </message>
    <message>
        <source>Rejected</source>
        <translation>已驳回</translation>
    </message>
</context>
<context>
    <name>MyKbReportsPage</name>
    <message>
        <source>My reports</source>
        <translation>我的纠错</translation>
    </message>
    <message>
        <source>Read my reports again</source>
        <translation>重新读取我的纠错</translation>
    </message>
    <message>
        <source>{count} reports, {decided} decided</source>
        <translation>共 {count} 条，已处理 {decided} 条</translation>
    </message>
    <message>
        <source>{outcome} by {who} on {when}: {note}</source>
        <translation>{outcome}（{who}，{when}）：{note}</translation>
    </message>
</context>
<context>
    <name>MyOrdersModel</name>
    <message>
        <source>Number</source>
        <translation>工单编号</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>登记时间</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <source>Deadline</source>
        <translation>办理时限</translation>
    </message>
    <message>
        <source>Lead unit</source>
        <translation>主办单位</translation>
    </message>
    <message>
        <source>Recorded on this seat; not yet confirmed by the platform</source>
        <translation>本机登记，平台尚未确认</translation>
    </message>
    <message>
        <source>Overdue</source>
        <translation>已超期</translation>
    </message>
</context>
<context>
    <name>MyOrdersPage</name>
    <message>
        <source>My work orders</source>
        <translation>我的工单</translation>
    </message>
    <message>
        <source>Open orders</source>
        <translation>在办</translation>
    </message>
    <message>
        <source>Closed orders</source>
        <translation>已办结</translation>
    </message>
    <message>
        <source>All my orders</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>Show: {which}</source>
        <translation>显示：{which}</translation>
    </message>
    <message>
        <source>Search my orders</source>
        <translation>搜索我的工单</translation>
    </message>
    <message>
        <source>Show the timeline of the selected order</source>
        <translation>查看所选工单的办理过程</translation>
    </message>
    <message>
        <source>Close the timeline</source>
        <translation>关闭办理过程</translation>
    </message>
    <message>
        <source>Search by number or title (Ctrl+F); Enter shows the timeline</source>
        <translation>按工单编号或标题搜索（Ctrl+F），回车查看办理过程</translation>
    </message>
    <message>
        <source>Signed out: sign in to see your work orders.</source>
        <translation>未登录：登录后查看我的工单。</translation>
    </message>
    <message>
        <source>My open orders: {count}</source>
        <translation>我的在办工单：{count}</translation>
    </message>
    <message>
        <source>My closed orders: {count}</source>
        <translation>我的已办结工单：{count}</translation>
    </message>
    <message>
        <source>My orders: {count}</source>
        <translation>我的工单：{count}</translation>
    </message>
    <message>
        <source>Order {number}: {title}</source>
        <translation>工单 {number}：{title}</translation>
    </message>
    <message>
        <source>Loading the timeline…</source>
        <translation>正在读取办理过程…</translation>
    </message>
    <message>
        <source>The platform refused the timeline: {reason}</source>
        <translation>平台拒绝了办理过程请求：{reason}</translation>
    </message>
    <message>
        <source>Offline: the cached summary as of {time}; the timeline needs the platform</source>
        <translation>离线：显示 {time} 缓存的工单摘要；办理过程需连接平台</translation>
    </message>
    <message>
        <source>Offline: the cached summary; the timeline needs the platform</source>
        <translation>离线：显示缓存的工单摘要；办理过程需连接平台</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>登记时间</translation>
    </message>
    <message>
        <source>Lead unit</source>
        <translation>主办单位</translation>
    </message>
    <message>
        <source>Deadline</source>
        <translation>办理时限</translation>
    </message>
    <message>
        <source>Reply</source>
        <translation>答复</translation>
    </message>
    <message>
        <source>Merged into</source>
        <translation>已并入</translation>
    </message>
    <message>
        <source>Recorded</source>
        <translation>登记</translation>
    </message>
    <message>
        <source>Accepted</source>
        <translation>受理</translation>
    </message>
    <message>
        <source>Dispatched</source>
        <translation>派单</translation>
    </message>
    <message>
        <source>Closed at intake</source>
        <translation>直接办结</translation>
    </message>
    <message>
        <source>Rejected at intake</source>
        <translation>不予受理</translation>
    </message>
    <message>
        <source>Transferred</source>
        <translation>即时转办</translation>
    </message>
    <message>
        <source>Signed for by the unit</source>
        <translation>承办单位签收</translation>
    </message>
    <message>
        <source>Replied by the unit</source>
        <translation>承办单位答复</translation>
    </message>
    <message>
        <source>Return asked for</source>
        <translation>申请退单</translation>
    </message>
    <message>
        <source>Return reviewed</source>
        <translation>退单审核</translation>
    </message>
    <message>
        <source>Extension asked for</source>
        <translation>申请延期</translation>
    </message>
    <message>
        <source>Extension reviewed</source>
        <translation>延期审核</translation>
    </message>
    <message>
        <source>Called back</source>
        <translation>回访</translation>
    </message>
    <message>
        <source>Callback attempt: not reached</source>
        <translation>回访未接通</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>办结</translation>
    </message>
    <message>
        <source>Reopened</source>
        <translation>重新办理</translation>
    </message>
    <message>
        <source>Supervised</source>
        <translation>督办</translation>
    </message>
    <message>
        <source>Merged into another order</source>
        <translation>并单</translation>
    </message>
    <message>
        <source>A repeat request merged in</source>
        <translation>重复诉求并入</translation>
    </message>
    <message>
        <source>Unreasonable repeat asked for</source>
        <translation>申请认定无理重复诉求</translation>
    </message>
    <message>
        <source>Unreasonable repeat reviewed</source>
        <translation>无理重复诉求审核</translation>
    </message>
    <message>
        <source>Case kind set</source>
        <translation>设置工单类别</translation>
    </message>
    <message>
        <source>Progress reported by the partner platform</source>
        <translation>联动平台反馈进展</translation>
    </message>
    <message>
        <source>Result reported by the partner platform</source>
        <translation>联动平台反馈结果</translation>
    </message>
    <message>
        <source>Sent back by the partner platform</source>
        <translation>联动平台退回</translation>
    </message>
    <message>
        <source>Approved</source>
        <translation>同意</translation>
    </message>
    <message>
        <source>Refused</source>
        <translation>不同意</translation>
    </message>
    <message>
        <source>attachments: {names}</source>
        <translation>附件：{names}</translation>
    </message>
</context>
<context>
    <name>Operation</name>
    <message>
        <source>the platform cannot be reached; try again when the link is back</source>
        <translation>无法连接平台，请在网络恢复后重试</translation>
    </message>
    <message>
        <source>the platform refused: {reason}</source>
        <translation>平台拒绝：{reason}</translation>
    </message>
    <message>
        <source>this seat&apos;s cache could not be written ({error})</source>
        <translation>本机缓存无法写入（{error}）</translation>
    </message>
</context>
<context>
    <name>OrderChecks</name>
    <message>
        <source>Choose the request type</source>
        <translation>请选择诉求类型</translation>
    </message>
    <message>
        <source>Pick a category from the list (type part of its name)</source>
        <translation>请从列表中选择诉求分类（输入部分名称查找）</translation>
    </message>
    <message>
        <source>Choose the category</source>
        <translation>请选择诉求分类</translation>
    </message>
    <message>
        <source>Enter a title</source>
        <translation>请填写标题</translation>
    </message>
    <message>
        <source>Enter what the caller asks</source>
        <translation>请填写诉求内容</translation>
    </message>
    <message>
        <source>Too long: at most {max} characters</source>
        <translation>内容过长：最多 {max} 个字</translation>
    </message>
    <message>
        <source>Closing at intake needs the answer given to the caller</source>
        <translation>直接办结需填写答复内容</translation>
    </message>
    <message>
        <source>Choose the unit to dispatch to</source>
        <translation>请选择派单的承办单位</translation>
    </message>
    <message>
        <source>Choose why the request is not accepted</source>
        <translation>请选择不予受理的原因</translation>
    </message>
    <message>
        <source>Pick a category from the list (type part of its name), or leave it empty</source>
        <translation>请从列表中选择分类（输入名称的一部分），或留空</translation>
    </message>
    <message>
        <source>Fill in the template&apos;s lines with what the caller said</source>
        <translation>请按模板逐项填写来电人所述内容</translation>
    </message>
    <message>
        <source>The caller has no open work order of this category to merge into</source>
        <translation>来电人没有可并入的同类未办结工单</translation>
    </message>
    <message>
        <source>Say why it is the same request</source>
        <translation>请写明为何属同一诉求</translation>
    </message>
    <message>
        <source>Choose where to transfer the call</source>
        <translation>请选择转办去向</translation>
    </message>
    <message>
        <source>No unit is called {names}: pick each from the list</source>
        <translation>没有名为 {names} 的单位：请逐个从列表中选择</translation>
    </message>
    <message>
        <source>The lead unit cannot also assist</source>
        <translation>主办单位不能同时作为协办单位</translation>
    </message>
    <message>
        <source>At most {max} assisting units</source>
        <translation>协办单位最多 {max} 个</translation>
    </message>
    <message>
        <source>Enter the caller&apos;s phone number</source>
        <translation>请填写来电人电话</translation>
    </message>
    <message>
        <source>The phone number contains letters</source>
        <translation>电话号码中含有字母</translation>
    </message>
    <message>
        <source>The phone number contains an invalid character {char}</source>
        <translation>电话号码中含有无效字符 {char}</translation>
    </message>
    <message>
        <source>The phone number has no digits</source>
        <translation>电话号码中没有数字</translation>
    </message>
    <message>
        <source>Country code +{code} is not Chinese: only +86 numbers are accepted</source>
        <translation>国家代码 +{code} 不是中国的：只受理 +86 号码</translation>
    </message>
    <message>
        <source>Unknown country code: only +86 numbers are accepted</source>
        <translation>未知的国家代码：只受理 +86 号码</translation>
    </message>
    <message>
        <source>The landline number needs its area code</source>
        <translation>固定电话号码需加区号</translation>
    </message>
    <message>
        <source>No mobile number starts with {prefix}</source>
        <translation>没有以 {prefix} 开头的手机号码</translation>
    </message>
    <message>
        <source>{count} digits: a mobile number has 11</source>
        <translation>{count} 位数字：手机号码应为 11 位</translation>
    </message>
    <message>
        <source>{count} digits: a landline number with area code has 10 to 12</source>
        <translation>{count} 位数字：带区号的固定电话应为 10 至 12 位</translation>
    </message>
    <message>
        <source>{count} digits: a 400/800 number has 10</source>
        <translation>{count} 位数字：400/800 号码应为 10 位</translation>
    </message>
    <message>
        <source>{count} digits: not a phone number</source>
        <translation>{count} 位数字：不是有效的电话号码</translation>
    </message>
    <message>
        <source>Invalid area code or landline number</source>
        <translation>区号或固定电话号码无效</translation>
    </message>
</context>
<context>
    <name>Page</name>
    <message>
        <source>{status} (refused by the platform)</source>
        <translation>{status}（平台拒收）</translation>
    </message>
    <message>
        <source>{status} (not confirmed)</source>
        <translation>{status}（未确认）</translation>
    </message>
    <message>
        <source>Offline: the data of {time}; the platform cannot be reached, what you do now is sent when the link is back</source>
        <extracomment>what the agent does offline is kept in the outbox and sent later (the offline line says so)</extracomment>
        <translation>离线：显示的是 {time} 的数据，无法连接平台；现在的操作将在网络恢复后提交</translation>
    </message>
    <message>
        <source>Offline: nothing loaded yet; what you do now is sent when the link is back</source>
        <translation>离线：尚未加载到数据；现在的操作将在网络恢复后提交</translation>
    </message>
    <message>
        <source>Offline: the data of {time}; the platform cannot be reached</source>
        <translation>离线：显示的是 {time} 的数据，无法连接平台</translation>
    </message>
    <message>
        <source>Offline: only what this seat has cached; the platform cannot be reached</source>
        <translation>离线：只显示本机缓存的数据，无法连接平台</translation>
    </message>
    <message>
        <source>The platform refused to show this page: {reason}</source>
        <translation>平台拒绝显示本页：{reason}</translation>
    </message>
    <message>
        <source>Signed out: sign in to see this page.</source>
        <translation>已退出登录：请登录后查看本页。</translation>
    </message>
</context>
<context>
    <name>PendingChangesDialog</name>
    <message>
        <source>Changes not uploaded</source>
        <translation>尚未上传的更改</translation>
    </message>
    <message>
        <source>{count} change(s) you recorded have not reached the platform yet (it does not answer). Deleting this computer&apos;s data now would lose them.</source>
        <translation>您记录的 {count} 项更改尚未送达平台（平台无应答）。现在删除本机数据将丢失这些更改。</translation>
    </message>
    <message>
        <source>Stay signed in: they are sent when the platform answers (Esc)</source>
        <translation>保持登录：平台恢复应答后自动发送(Esc)</translation>
    </message>
    <message>
        <source>&amp;Keep them on this computer and sign out</source>
        <translation>保留在本机并退出登录(&amp;K)</translation>
    </message>
    <message>
        <source>&amp;Delete them and sign out</source>
        <translation>删除这些更改并退出登录(&amp;D)</translation>
    </message>
</context>
<context>
    <name>PhraseModel</name>
    <message>
        <source>Key</source>
        <translation>键</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <source>Phrase</source>
        <translation>常用语</translation>
    </message>
</context>
<context>
    <name>PhrasePicker</name>
    <message>
        <source>Quick phrases and call scripts</source>
        <translation>常用语和话术</translation>
    </message>
    <message>
        <source>Quick phrases</source>
        <translation>常用语</translation>
    </message>
    <message>
        <source>Type to narrow the phrases (characters or pinyin)</source>
        <translation>输入文字或拼音筛选常用语</translation>
    </message>
    <message>
        <source>Call scripts</source>
        <translation>话术</translation>
    </message>
    <message>
        <source>Enter or 1-9 inserts the phrase where the cursor was; Esc closes</source>
        <translation>回车或 1-9 把常用语插入光标所在处；Esc 关闭</translation>
    </message>
    <message>
        <source>No text field had the cursor: put it where the phrase goes, then Ctrl+P</source>
        <translation>光标不在输入框中：先把光标放到要插入的位置，再按 Ctrl+P</translation>
    </message>
    <message>
        <source>(none kept on this seat)</source>
        <translation>（本座席没有）</translation>
    </message>
    <message>
        <source>Opening</source>
        <translation>开场白</translation>
    </message>
    <message>
        <source>Closing</source>
        <translation>结束语</translation>
    </message>
    <message>
        <source>Signed out: sign in to use the quick phrases.</source>
        <translation>未登录：登录后才能使用常用语。</translation>
    </message>
    <message>
        <source>The quick phrases could not be read from this seat&apos;s cache.</source>
        <translation>无法从本座席的缓存读取常用语。</translation>
    </message>
    <message>
        <source>No phrase matches.</source>
        <translation>没有匹配的常用语。</translation>
    </message>
    <message>
        <source>No text field had the cursor: close, put it where the phrase goes, then Ctrl+P</source>
        <translation>光标不在输入框中：请关闭，把光标放到要插入的位置，再按 Ctrl+P</translation>
    </message>
</context>
<context>
    <name>ProgressDialog</name>
    <message>
        <source>Progress lookup</source>
        <translation>进度查询</translation>
    </message>
</context>
<context>
    <name>ProgressLookup</name>
    <message>
        <source>Progress lookup</source>
        <translation>进度查询</translation>
    </message>
    <message>
        <source>Look up the progress</source>
        <translation>查询进度</translation>
    </message>
    <message>
        <source>Type another order number or phone</source>
        <translation>输入其他工单编号或电话</translation>
    </message>
    <message>
        <source>Order number or caller&apos;s phone, then Enter</source>
        <translation>输入工单编号或来电号码，回车查询</translation>
    </message>
    <message>
        <source>Signed out: sign in to look up orders.</source>
        <translation>未登录：登录后查询工单。</translation>
    </message>
    <message>
        <source>Type an order number or the caller&apos;s phone.</source>
        <translation>请输入工单编号或来电号码。</translation>
    </message>
    <message>
        <source>Looking up…</source>
        <translation>正在查询…</translation>
    </message>
    <message>
        <source>Not an order number or a phone number: {text}</source>
        <translation>不是工单编号或电话号码：{text}</translation>
    </message>
    <message>
        <source>The platform refused the lookup: {reason}</source>
        <translation>平台拒绝了查询：{reason}</translation>
    </message>
    <message>
        <source>Offline: from this seat&apos;s cache as of {time}; the platform may know more</source>
        <translation>离线：结果来自本机 {time} 的缓存，平台上可能有更新</translation>
    </message>
    <message>
        <source>Offline: from this seat&apos;s cache; the platform may know more</source>
        <translation>离线：结果来自本机缓存，平台上可能有更新</translation>
    </message>
    <message>
        <source>No work order found for {text}</source>
        <translation>未找到 {text} 的工单</translation>
    </message>
    <message>
        <source>{count} work order(s) of this caller</source>
        <translation>该来电人共有 {count} 件工单</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Reply</source>
        <translation>答复</translation>
    </message>
</context>
<context>
    <name>ProgressModel</name>
    <message>
        <source>Number</source>
        <translation>工单编号</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <source>Accepted on</source>
        <translation>受理时间</translation>
    </message>
    <message>
        <source>Deadline</source>
        <translation>办理时限</translation>
    </message>
    <message>
        <source>Handling unit</source>
        <translation>承办单位</translation>
    </message>
    <message>
        <source>Next step</source>
        <translation>下一步</translation>
    </message>
    <message>
        <source>the handling unit</source>
        <translation>承办单位</translation>
    </message>
    <message>
        <source>Being recorded</source>
        <translation>正在登记</translation>
    </message>
    <message>
        <source>Accepted; waiting to be dispatched to a handling unit</source>
        <translation>已受理，等待派单至承办单位</translation>
    </message>
    <message>
        <source>Dispatched to {unit}; waiting for it to sign for the case</source>
        <translation>已派单至{unit}，等待签收</translation>
    </message>
    <message>
        <source>{unit} is handling it; due by {deadline}</source>
        <translation>{unit}正在办理，办理时限 {deadline}</translation>
    </message>
    <message>
        <source>{unit} asked to return it; the centre is reviewing and will dispatch again</source>
        <translation>{unit}申请退单，中心审核后将重新派单</translation>
    </message>
    <message>
        <source>{unit} asked for more time; the centre is reviewing</source>
        <translation>{unit}申请延期，中心正在审核</translation>
    </message>
    <message>
        <source>{unit} has replied; the centre will call the caller back</source>
        <translation>{unit}已答复，中心将进行回访</translation>
    </message>
    <message>
        <source>The centre is calling the caller back</source>
        <translation>中心正在回访</translation>
    </message>
    <message>
        <source>Reopened after the callback; {unit} handles it again, due by {deadline}</source>
        <translation>回访后重新办理，{unit}再次办理，办理时限 {deadline}</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>已办结</translation>
    </message>
    <message>
        <source>Answered on the call and closed</source>
        <translation>来电时已答复并直接办结</translation>
    </message>
    <message>
        <source>Not accepted</source>
        <translation>不予受理</translation>
    </message>
    <message>
        <source>Transferred on the call</source>
        <translation>来电时已即时转办</translation>
    </message>
    <message>
        <source>Merged into order {order}: follow that order</source>
        <translation>已并入工单 {order}，请查询该工单</translation>
    </message>
    <message>
        <source>Being reviewed as a repeat request</source>
        <translation>正在审核是否为重复诉求</translation>
    </message>
    <message>
        <source>(no deadline)</source>
        <translation>（无时限）</translation>
    </message>
    <message>
        <source>Accepted</source>
        <translation>受理</translation>
    </message>
    <message>
        <source>Dispatched</source>
        <translation>派单</translation>
    </message>
    <message>
        <source>Signed for by the unit</source>
        <translation>承办单位签收</translation>
    </message>
    <message>
        <source>Replied</source>
        <translation>答复</translation>
    </message>
    <message>
        <source>Return asked for</source>
        <translation>申请退单</translation>
    </message>
    <message>
        <source>Return reviewed</source>
        <translation>退单审核</translation>
    </message>
    <message>
        <source>Extension asked for</source>
        <translation>申请延期</translation>
    </message>
    <message>
        <source>Extension reviewed</source>
        <translation>延期办理</translation>
    </message>
    <message>
        <source>Called back</source>
        <translation>回访</translation>
    </message>
    <message>
        <source>Reopened</source>
        <translation>重新办理</translation>
    </message>
    <message>
        <source>Merged</source>
        <translation>并单</translation>
    </message>
    <message>
        <source>A repeat call merged in</source>
        <translation>重复来电并入</translation>
    </message>
    <message>
        <source>Answered and closed on the call</source>
        <translation>直接办结</translation>
    </message>
    <message>
        <source>Transferred</source>
        <translation>转办</translation>
    </message>
</context>
<context>
    <name>QuitDialog</name>
    <message>
        <source>Quit with work pending?</source>
        <translation>还有未完成的工作，仍要退出吗？</translation>
    </message>
    <message>
        <source>A call is in progress (ringing, talking or after-call work).</source>
        <translation>有电话正在进行（振铃、通话中或话后处理）。</translation>
    </message>
    <message>
        <source>The work order on the form is not recorded yet (its draft is kept).</source>
        <translation>表单上的工单尚未登记（草稿会保留）。</translation>
    </message>
    <message>
        <source>{count} change(s) have not reached the platform yet; they are sent at the next start.</source>
        <translation>{count} 条更改尚未上传到平台，下次启动时上传。</translation>
    </message>
    <message>
        <source>Not finished yet:</source>
        <translation>尚未完成：</translation>
    </message>
    <message>
        <source>Enter stays; Alt+Q quits anyway.</source>
        <translation>按 Enter 留下；按 Alt+Q 仍然退出。</translation>
    </message>
    <message>
        <source>Stay (Enter)</source>
        <translation>留下（Enter）</translation>
    </message>
    <message>
        <source>&amp;Quit anyway</source>
        <translation>仍然退出(&amp;Q)</translation>
    </message>
</context>
<context>
    <name>RefusedChangeDialog</name>
    <message>
        <source>Edit and send again</source>
        <translation>修改后重新提交</translation>
    </message>
    <message>
        <source>The platform refused it: {reason}</source>
        <translation>平台拒收：{reason}</translation>
    </message>
    <message>
        <source>Send again</source>
        <translation>重新提交</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <source>Request</source>
        <translation>诉求内容</translation>
    </message>
    <message>
        <source>Caller&apos;s number</source>
        <translation>来电号码</translation>
    </message>
    <message>
        <source>Requester&apos;s name</source>
        <translation>诉求人姓名</translation>
    </message>
    <message>
        <source>Category code</source>
        <translation>诉求分类代码</translation>
    </message>
    <message>
        <source>Request type</source>
        <translation>诉求类型</translation>
    </message>
    <message>
        <source>Reply</source>
        <translation>答复内容</translation>
    </message>
    <message>
        <source>Answer</source>
        <translation>答复</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
</context>
<context>
    <name>ReviewsModel</name>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Order</source>
        <translation>工单</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <source>Unit</source>
        <translation>承办单位</translation>
    </message>
    <message>
        <source>Applicant</source>
        <translation>申请人</translation>
    </message>
    <message>
        <source>Asked</source>
        <translation>申请内容</translation>
    </message>
    <message>
        <source>Applied at</source>
        <translation>申请时间</translation>
    </message>
    <message>
        <source>+{hours} h</source>
        <translation>延长 {hours} 小时</translation>
    </message>
    <message>
        <source>+{days} working days</source>
        <translation>延长 {days} 个工作日</translation>
    </message>
</context>
<context>
    <name>ReviewsPage</name>
    <message>
        <source>Reviews</source>
        <translation>审核</translation>
    </message>
    <message>
        <source>Note for the unit: the reason for your decision (required to refuse). Ctrl+Enter records</source>
        <translation>给承办单位的审核意见（不同意时必填），Ctrl+Enter 提交</translation>
    </message>
    <message>
        <source>Approve</source>
        <translation>同意</translation>
    </message>
    <message>
        <source>Refuse</source>
        <translation>不同意</translation>
    </message>
    <message>
        <source>Record the decision</source>
        <translation>提交审核意见</translation>
    </message>
    <message>
        <source>Back to the list</source>
        <translation>返回列表</translation>
    </message>
    <message>
        <source>Read the reviews again</source>
        <translation>刷新审核列表</translation>
    </message>
    <message>
        <source>{count} reviews pending</source>
        <translation>待审核 {count} 件</translation>
    </message>
    <message>
        <source>No review selected.</source>
        <translation>未选择审核事项。</translation>
    </message>
    <message>
        <source>{kind} · order {number}</source>
        <translation>{kind} · 工单 {number}</translation>
    </message>
    <message>
        <source>{applicant} asks: {reason}</source>
        <translation>{applicant} 申请理由：{reason}</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>诉求类型</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>诉求分类</translation>
    </message>
    <message>
        <source>Caller</source>
        <translation>来电号码</translation>
    </message>
    <message>
        <source>Unit</source>
        <translation>承办单位</translation>
    </message>
    <message>
        <source>Deadline</source>
        <translation>办理时限</translation>
    </message>
    <message>
        <source>Accepted at</source>
        <translation>受理时间</translation>
    </message>
    <message>
        <source>Applied at</source>
        <translation>申请时间</translation>
    </message>
    <message>
        <source>Repeat requests</source>
        <translation>重复诉求次数</translation>
    </message>
    <message>
        <source>Content</source>
        <translation>诉求内容</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>说明</translation>
    </message>
    <message>
        <source>This order is not in the local cache yet.</source>
        <translation>本地缓存中还没有这张工单。</translation>
    </message>
    <message>
        <source>Decision: approve. Add a note if you like, then Ctrl+Enter</source>
        <translation>审核意见：同意。可填写说明，然后按 Ctrl+Enter</translation>
    </message>
    <message>
        <source>Decision: refuse. Write the reason, then Ctrl+Enter</source>
        <translation>审核意见：不同意。请填写理由，然后按 Ctrl+Enter</translation>
    </message>
    <message>
        <source>Press A to approve or R to refuse</source>
        <translation>按 A 同意，按 R 不同意</translation>
    </message>
    <message>
        <source>Choose first: A approves, R refuses.</source>
        <translation>请先选择：A 同意，R 不同意。</translation>
    </message>
    <message>
        <source>Write the reason for the refusal first.</source>
        <translation>请先填写不同意的理由。</translation>
    </message>
    <message>
        <source>The note is too long ({count} of at most {limit} characters).</source>
        <translation>说明过长（{count} 字，最多 {limit} 字）。</translation>
    </message>
    <message>
        <source>The decision could not be saved: {error}</source>
        <translation>审核意见未能保存：{error}</translation>
    </message>
    <message>
        <source>Approved: {kind} of order {number}</source>
        <translation>已同意：工单 {number} 的{kind}申请</translation>
    </message>
    <message>
        <source>Refused: {kind} of order {number}</source>
        <translation>已不同意：工单 {number} 的{kind}申请</translation>
    </message>
</context>
<context>
    <name>SignInOverlay</name>
    <message>
        <source>Sign in to the hotline platform</source>
        <translation>登录热线平台</translation>
    </message>
    <message>
        <source>Platform address</source>
        <translation>平台地址</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>登录</translation>
    </message>
    <message>
        <source>Later: keep working offline (Esc)</source>
        <translation>稍后：继续离线工作（Esc）</translation>
    </message>
    <message>
        <source>The platform no longer accepts your sign-in (it expired or was revoked). Type your password to go on; nothing you typed is lost.</source>
        <translation>平台已不再接受您的登录（已过期或被撤销）。请输入密码继续；您输入的内容都不会丢失。</translation>
    </message>
    <message>
        <source>You stay signed in through the system keyring; the password itself is never stored.</source>
        <translation>登录状态保存在系统钥匙串中，密码本身从不保存。</translation>
    </message>
    <message>
        <source>This computer has no system keyring: the password is asked at every sign-in and nothing is saved.</source>
        <translation>此电脑没有系统钥匙串：每次登录都需要输入密码，不会保存任何凭据。</translation>
    </message>
    <message>
        <source>platform address</source>
        <translation>平台地址</translation>
    </message>
    <message>
        <source>user name</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Please fill in: {fields}</source>
        <translation>请填写：{fields}</translation>
    </message>
</context>
<context>
    <name>SignOutDialog</name>
    <message>
        <source>Sign out</source>
        <translation>退出登录</translation>
    </message>
    <message>
        <source>Sign out {name}? The sign-in kept on this computer is revoked: the next start asks for the password.</source>
        <translation>确定要退出 {name} 的登录吗？本机保存的登录凭据将被吊销，下次启动时需要输入密码。</translation>
    </message>
    <message>
        <source>Shared computer: also delete this computer&apos;s copy of the work data (kept for the next one who signs out here too)</source>
        <translation>共用电脑：同时删除本机保存的工作数据（此选择会保留，下次在本机退出登录时同样适用）</translation>
    </message>
    <message>
        <source>Sign out (Enter)</source>
        <translation>退出登录(Enter)</translation>
    </message>
    <message>
        <source>Cancel (Esc)</source>
        <translation>取消(Esc)</translation>
    </message>
</context>
<context>
    <name>SupervisionModel</name>
    <message>
        <source>Why</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Order</source>
        <translation>工单</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <source>Deadline</source>
        <translation>办理时限</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>督办意见</translation>
    </message>
    <message>
        <source>By</source>
        <translation>发起人</translation>
    </message>
    <message>
        <source>Since</source>
        <translation>发起时间</translation>
    </message>
    <message>
        <source>Overdue</source>
        <translation>已超期</translation>
    </message>
    <message>
        <source>Near the deadline</source>
        <translation>临近时限</translation>
    </message>
    <message>
        <source>Flagged</source>
        <translation>人工督办</translation>
    </message>
    <message>
        <source>Supervise</source>
        <translation>督办</translation>
    </message>
    <message>
        <source>Remind</source>
        <translation>催办</translation>
    </message>
    <message>
        <source>sending</source>
        <translation>提交中</translation>
    </message>
    <message>
        <source>system</source>
        <translation>系统</translation>
    </message>
</context>
<context>
    <name>SupervisionPage</name>
    <message>
        <source>Supervision</source>
        <translation>督办</translation>
    </message>
    <message>
        <source>What the unit must do, and by when</source>
        <translation>承办单位须办理的事项及时间要求</translation>
    </message>
    <message>
        <source>Order</source>
        <translation>工单</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>督办意见</translation>
    </message>
    <message>
        <source>Supervise the selected order</source>
        <translation>督办选中的工单</translation>
    </message>
    <message>
        <source>Read the supervisions again</source>
        <translation>刷新督办列表</translation>
    </message>
    <message>
        <source>Record the supervision</source>
        <translation>提交督办</translation>
    </message>
    <message>
        <source>Close the supervision panel</source>
        <translation>关闭督办面板</translation>
    </message>
    <message>
        <source>{count} open supervisions and reminders, {overdue} overdue</source>
        <translation>督办、催办 {count} 件，其中超期 {overdue} 件</translation>
    </message>
    <message>
        <source>Supervise order {number}</source>
        <translation>督办工单 {number}</translation>
    </message>
    <message>
        <source>Supervise an order</source>
        <translation>督办工单</translation>
    </message>
    <message>
        <source>Which order? Type its number.</source>
        <translation>请输入要督办的工单编号。</translation>
    </message>
    <message>
        <source>Write a note for the unit first.</source>
        <translation>请先填写督办意见。</translation>
    </message>
    <message>
        <source>The supervision could not be saved: {error}</source>
        <translation>督办未能保存：{error}</translation>
    </message>
    <message>
        <source>Order {number} supervised</source>
        <translation>已督办工单 {number}</translation>
    </message>
    <message>
        <source>Order {number} reminded</source>
        <translation>已催办工单 {number}</translation>
    </message>
</context>
<context>
    <name>TelephonyDialog</name>
    <message>
        <source>Phone settings</source>
        <extracomment>the keyring entry of a FreeSWITCH event socket&apos;s password: user EVENT_SOCKET_USER at &quot;freeswitch:&lt;address&gt;&quot;</extracomment>
        <translation>电话设置</translation>
    </message>
    <message>
        <source>Calls routed by the platform</source>
        <translation>平台分配来电</translation>
    </message>
    <message>
        <source>Softphone on this computer (baresip)</source>
        <translation>本机软电话（baresip）</translation>
    </message>
    <message>
        <source>FreeSWITCH switch (event socket)</source>
        <translation>FreeSWITCH 交换机（事件接口）</translation>
    </message>
    <message>
        <source>host:port, e.g. 127.0.0.1:4444</source>
        <translation>主机:端口，如 127.0.0.1:4444</translation>
    </message>
    <message>
        <source>e.g. 1001@default (FreeSWITCH queues)</source>
        <translation>如 1001@default（FreeSWITCH 队列）</translation>
    </message>
    <message>
        <source>Calls come from</source>
        <translation>来电来源</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Extension</source>
        <translation>分机号</translation>
    </message>
    <message>
        <source>Queue agent name</source>
        <translation>队列坐席名</translation>
    </message>
    <message>
        <source>Not saved: {reason}</source>
        <translation>未保存：{reason}</translation>
    </message>
</context>
<context>
    <name>TopicOrdersModel</name>
    <message>
        <source>Order</source>
        <translation>工单号</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <source>District</source>
        <translation>区域</translation>
    </message>
    <message>
        <source>Accepted at</source>
        <translation>受理时间</translation>
    </message>
</context>
<context>
    <name>UnitDeskModel</name>
    <message>
        <source>Order</source>
        <translation>工单号</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>诉求分类</translation>
    </message>
    <message>
        <source>Deadline</source>
        <translation>办理时限</translation>
    </message>
    <message>
        <source>Sending…</source>
        <translation>正在提交…</translation>
    </message>
    <message>
        <source>To sign</source>
        <translation>待签收</translation>
    </message>
    <message>
        <source>Signed</source>
        <translation>已签收</translation>
    </message>
    <message>
        <source>Replied</source>
        <translation>已答复</translation>
    </message>
    <message>
        <source>Return asked</source>
        <translation>已申请退单</translation>
    </message>
    <message>
        <source>Extension asked</source>
        <translation>已申请延期</translation>
    </message>
</context>
<context>
    <name>UnitDeskPage</name>
    <message>
        <source>Unit desk</source>
        <translation>承办工作台</translation>
    </message>
    <message>
        <source>Attachments sent with the reply: their file names, separated by 、 (optional)</source>
        <translation>随答复发送的附件：文件名，以“、”分隔（可不填）</translation>
    </message>
    <message>
        <source>Sign the order</source>
        <translation>签收工单</translation>
    </message>
    <message>
        <source>Write the reply</source>
        <translation>填写答复</translation>
    </message>
    <message>
        <source>Ask for a return</source>
        <translation>申请退单</translation>
    </message>
    <message>
        <source>Ask for an extension</source>
        <translation>申请延期</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>提交</translation>
    </message>
    <message>
        <source>Back to the list</source>
        <translation>返回列表</translation>
    </message>
    <message>
        <source>Read the list again</source>
        <translation>重新读取列表</translation>
    </message>
    <message>
        <source>{count} orders to handle</source>
        <translation>待办工单 {count} 件</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <source>Deadline</source>
        <translation>办理时限</translation>
    </message>
    <message>
        <source>Content</source>
        <translation>诉求内容</translation>
    </message>
    <message>
        <source>Place</source>
        <translation>事发地址</translation>
    </message>
    <message>
        <source>Order {number} signed</source>
        <translation>工单 {number} 已签收</translation>
    </message>
    <message>
        <source>Reply to the requester (what was done): Ctrl+Enter sends</source>
        <translation>答复诉求人（办理情况）：Ctrl+Enter 提交</translation>
    </message>
    <message>
        <source>Why the order is not this unit&apos;s: Ctrl+Enter asks for the return</source>
        <translation>不属于本单位办理的理由：Ctrl+Enter 申请退单</translation>
    </message>
    <message>
        <source>Working days more and why: Ctrl+Enter asks for the extension</source>
        <translation>延期的工作日数和理由：Ctrl+Enter 申请延期</translation>
    </message>
    <message>
        <source>Write it first.</source>
        <translation>请先填写内容。</translation>
    </message>
    <message>
        <source>The attachments: {error}</source>
        <translation>附件有误：{error}</translation>
    </message>
    <message>
        <source>Order {number}: reply sent</source>
        <translation>工单 {number}：答复已提交</translation>
    </message>
    <message>
        <source>Order {number}: return asked</source>
        <translation>工单 {number}：已申请退单</translation>
    </message>
    <message>
        <source>Order {number}: extension asked</source>
        <translation>工单 {number}：已申请延期</translation>
    </message>
    <message>
        <source>Not sent: {error}</source>
        <translation>未提交：{error}</translation>
    </message>
</context>
<context>
    <name>UnitFiguresModel</name>
    <message>
        <source>Unit</source>
        <translation>承办单位</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>收到</translation>
    </message>
    <message>
        <source>Signed on time</source>
        <translation>按时签收率</translation>
    </message>
    <message>
        <source>Replied on time</source>
        <translation>按时答复率</translation>
    </message>
    <message>
        <source>Overdue</source>
        <translation>逾期</translation>
    </message>
    <message>
        <source>Returns asked</source>
        <translation>申请退单</translation>
    </message>
    <message>
        <source>Improper returns</source>
        <translation>不当退单</translation>
    </message>
    <message>
        <source>Extensions</source>
        <translation>延期（批准/申请）</translation>
    </message>
    <message>
        <source>Satisfaction</source>
        <translation>满意率</translation>
    </message>
    <message>
        <source>Resolved</source>
        <translation>解决率</translation>
    </message>
</context>
<context>
    <name>WallboardPage</name>
    <message>
        <source>Wallboard</source>
        <translation>班长监控</translation>
    </message>
    <message>
        <source>Calls waiting</source>
        <translation>排队来电</translation>
    </message>
    <message>
        <source>Longest wait</source>
        <translation>最长等待</translation>
    </message>
    <message>
        <source>Service level (15 s)</source>
        <translation>15秒接通率</translation>
    </message>
    <message>
        <source>Answered today</source>
        <translation>今日接通</translation>
    </message>
    <message>
        <source>Abandoned today</source>
        <translation>今日放弃</translation>
    </message>
    <message>
        <source>Orders near the deadline</source>
        <translation>临近时限工单</translation>
    </message>
    <message>
        <source>Orders over the deadline</source>
        <translation>超期工单</translation>
    </message>
    <message>
        <source>Today by hour</source>
        <translation>今日分时话务</translation>
    </message>
    <message>
        <source>Arrived</source>
        <translation>呼入</translation>
    </message>
    <message>
        <source>Answered</source>
        <translation>接通</translation>
    </message>
    <message>
        <source>Abandoned</source>
        <translation>放弃</translation>
    </message>
    <message>
        <source>Read the figures again</source>
        <translation>刷新监控数据</translation>
    </message>
    <message>
        <source>Waiting for the platform&apos;s figures…</source>
        <translation>正在等待平台数据…</translation>
    </message>
    <message>
        <source>Figures of {time}</source>
        <translation>数据更新于 {time}</translation>
    </message>
</context>
<context>
    <name>WorkOrderForm</name>
    <message>
        <source>Choose the request type</source>
        <translation>请选择诉求类型</translation>
    </message>
    <message>
        <source>Urgency</source>
        <translation>紧急程度</translation>
    </message>
    <message>
        <source>Confidential</source>
        <translation>保密</translation>
    </message>
    <message>
        <source>Keep the caller&apos;s identity from the handling unit</source>
        <translation>对承办单位隐去来电人身份</translation>
    </message>
    <message>
        <source>Type to find the category, e.g. 公积金</source>
        <translation>输入关键字查找诉求分类，如“公积金”</translation>
    </message>
    <message>
        <source>Why it is the same request</source>
        <translation>为何属同一诉求</translation>
    </message>
    <message>
        <source>A short summary of the request</source>
        <translation>诉求摘要</translation>
    </message>
    <message>
        <source>What the caller asks, in their words</source>
        <translation>来电人反映的具体内容</translation>
    </message>
    <message>
        <source>Street or town</source>
        <translation>街道（乡镇）</translation>
    </message>
    <message>
        <source>Residential compound, building and door, or a landmark</source>
        <translation>小区、楼栋门牌或地标</translation>
    </message>
    <message>
        <source>How the caller wants to be addressed</source>
        <translation>来电人称呼</translation>
    </message>
    <message>
        <source>Number to call back</source>
        <translation>回访电话</translation>
    </message>
    <message>
        <source>The answer given to the caller (insert it from the knowledge base)</source>
        <translation>答复来电人的内容（可从知识库插入）</translation>
    </message>
    <message>
        <source>Choose a handling unit</source>
        <translation>请选择承办单位</translation>
    </message>
    <message>
        <source>Assisting units, if any: type part of a name; separate them with 、</source>
        <translation>协办单位（如有）：输入名称的一部分，多个用、分隔</translation>
    </message>
    <message>
        <source> working days</source>
        <translation> 个工作日</translation>
    </message>
    <message>
        <source>The time limit of the handling unit (办理时限), in working days</source>
        <translation>承办单位的办理时限，以工作日计</translation>
    </message>
    <message>
        <source>Choose why it is not accepted</source>
        <translation>请选择不予受理的原因</translation>
    </message>
    <message>
        <source>Read this to the caller; change it if the case needs other words</source>
        <translation>向来电人宣读；情况需要时可修改措辞</translation>
    </message>
    <message>
        <source>Choose where to transfer the call</source>
        <translation>请选择转办去向</translation>
    </message>
    <message>
        <source>Why it goes there, and a note for the receiving line</source>
        <translation>转接原因及给接收方的说明</translation>
    </message>
    <message>
        <source>Three-way (stay on the line)</source>
        <translation>三方通话（坐席不挂机）</translation>
    </message>
    <message>
        <source>Caller phone</source>
        <translation>来电号码</translation>
    </message>
    <message>
        <source>Requester name</source>
        <translation>诉求人姓名</translation>
    </message>
    <message>
        <source>Request type</source>
        <translation>诉求类型</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>诉求分类</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <source>Content</source>
        <translation>诉求内容</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>事发地址</translation>
    </message>
    <message>
        <source>Address detail</source>
        <translation>详细地址</translation>
    </message>
    <message>
        <source>Reply</source>
        <translation>答复内容</translation>
    </message>
    <message>
        <source>Handling unit</source>
        <translation>承办单位</translation>
    </message>
    <message>
        <source>Assisting units</source>
        <translation>协办单位</translation>
    </message>
    <message>
        <source>Time limit</source>
        <translation>办理时限</translation>
    </message>
    <message>
        <source>Not accepted because</source>
        <translation>不予受理原因</translation>
    </message>
    <message>
        <source>Transfer to</source>
        <translation>转办去向</translation>
    </message>
    <message>
        <source>Transfer note</source>
        <translation>转办备注</translation>
    </message>
    <message>
        <source>Close at intake with the reply</source>
        <translation>直接办结（以答复内容答复）</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>直接办结</translation>
    </message>
    <message>
        <source>Dispatch to the handling unit</source>
        <translation>派单至承办单位</translation>
    </message>
    <message>
        <source>Dispatch</source>
        <translation>派单</translation>
    </message>
    <message>
        <source>Reject at intake</source>
        <translation>不予受理</translation>
    </message>
    <message>
        <source>Reject</source>
        <translation>不予受理</translation>
    </message>
    <message>
        <source>Transfer the call at once</source>
        <translation>即时转办</translation>
    </message>
    <message>
        <source>Transfer</source>
        <translation>即时转办</translation>
    </message>
    <message>
        <source>Merge into the caller&apos;s open order (并单)</source>
        <translation>并入来电人的未办结工单（并单）</translation>
    </message>
    <message>
        <source>Merge</source>
        <translation>并单</translation>
    </message>
    <message>
        <source>{action} ({shortcut})</source>
        <translation>{action}（{shortcut}）</translation>
    </message>
    <message>
        <source>Not given</source>
        <translation>未填写</translation>
    </message>
    <message>
        <source>{name} (suggested)</source>
        <translation>{name}（推荐）</translation>
    </message>
    <message>
        <source>{unit} does not usually handle {category}: check the unit before dispatching</source>
        <translation>{unit} 通常不承办“{category}”类诉求：派单前请核对承办单位</translation>
    </message>
    <message>
        <source>The same request, called again</source>
        <translation>同一诉求重复来电</translation>
    </message>
    <message>
        <source>The caller already has an open work order {number} of this category: if it is the same request, merge into it with Ctrl+Shift+M</source>
        <translation>来电人已有同类未办结工单 {number}：如属同一诉求，按 Ctrl+Shift+M 并入该工单</translation>
    </message>
    <message>
        <source>Due within {hours} hours, by {time}</source>
        <translation>{hours}小时内办结（{time}前）</translation>
    </message>
    <message>
        <source>Due {date} (counted in working days)</source>
        <translation>{date}前办结（按工作日计算）</translation>
    </message>
    <message>
        <source>provisional: the holiday schedule of {year} is not published yet</source>
        <translation>暂定：{year}年节假日安排尚未公布</translation>
    </message>
    <message>
        <source>The call went to {unit} at {time}: write why, then record it with Ctrl+Shift+T</source>
        <translation>来电已于 {time} 转至{unit}：请写明原因，再按 Ctrl+Shift+T 记录到工单</translation>
    </message>
    <message>
        <source>Not sent: correct the marked fields</source>
        <translation>未提交：请更正标出的字段</translation>
    </message>
    <message>
        <source>The work order could not be saved on this computer: {error}</source>
        <translation>工单无法保存到本机：{error}</translation>
    </message>
    <message>
        <source>Work order {number} recorded</source>
        <translation>工单 {number} 已记录</translation>
    </message>
    <message>
        <source>The request was merged into work order {into}</source>
        <translation>诉求已并入工单 {into}</translation>
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
