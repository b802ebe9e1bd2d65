/**
 * Language-independent "task demand" and "task intent" cues shared by the heuristic and the learned gate.
 * Every pattern is compiled once here; nothing is compiled per request. Patterns do not assume whitespace
 * between words, so they work on Chinese as well as English.
 */

import { HAS_CJK, splitByCjk } from './cjk-split.js';
import { PrefixScanner } from './prefix-scan.js';

export type CueScope = 'all' | 'edges';

interface CueDefinition {
  readonly name: string;
  /** Global patterns; the cue's count is the sum of their matches (capped). Several simple patterns scan faster in V8
   * than one alternation whose branches start differently. */
  readonly patterns: readonly RegExp[];
  /** The patterns' branches that need a CJK ideograph, run only when the text has one (see cjk-split.ts); those the
   * CJK prefix scanner counts are in `cjkScannedUnits`, the rest here as regex scans. */
  readonly cjkPatterns: readonly RegExp[];
  readonly cjkScannedUnits: readonly number[];
  /** Units of `patterns` counted by the shared prefix scanner (see prefix-scan.ts and ScannerGroup). */
  readonly scannedUnits: readonly number[];
  /** The rest of `patterns`, each run as a global regex scan. */
  readonly regexPatterns: readonly RegExp[];
  /** Per regex pattern, a cheap test the text must pass for the pattern to have any match (null: always run). */
  readonly prechecks: ReadonlyArray<RegExp | null>;
  /** `edges`: only the first EDGE_HEAD and last EDGE_TAIL characters count: that is where a task frame sits
   * ("Translate into French: …", "…，请翻译成英文"), whereas the same words deep inside quoted material are content. */
  readonly scope: CueScope;
  /** Patterns were lower-cased: run them on lower-cased text. */
  readonly caseFolded: boolean;
}

const EDGE_HEAD = 90;
const EDGE_TAIL = 60;
const MAX_COUNT = 20;

/**
 * Case-insensitive patterns are recompiled once, here, as lower-case patterns run against lower-cased text:
 * V8 scans these alternations about 1.5× faster without the `i` flag.
 */
function caseFolded(pattern: RegExp): RegExp {
  if (!pattern.flags.includes('i')) return pattern;
  if (/\\[A-Z]/.test(pattern.source)) throw new Error(`cue pattern ${pattern.source.slice(0, 40)}… uses an upper-case escape; it cannot be case-folded`);
  return new RegExp(pattern.source.toLowerCase(), pattern.flags.replace('i', ''));
}

/**
 * A shared single-pass scanner and the units it counts over the whole text and over the edges only (a bit per unit).
 * Both scopes share one scanner, so a short text, which is its own edge region, is scanned once for both and one set
 * of tables is touched per request.
 */
interface ScannerGroup {
  readonly scanner: PrefixScanner;
  wholeUnits: number;
  edgeUnits: number;
}

function scannerGroup(): ScannerGroup {
  return { scanner: new PrefixScanner(), wholeUnits: 0, edgeUnits: 0 };
}

/** Adds a pattern to a group's scanner under its scope; -1 when the scanner cannot take it (it stays a regex scan). */
function addToGroup(group: ScannerGroup, pattern: RegExp, scope: CueScope): number {
  const unit = group.scanner.add(pattern);
  if (unit >= 0 && scope === 'edges') group.edgeUnits |= 1 << unit;
  else if (unit >= 0) group.wholeUnits |= 1 << unit;
  return unit;
}

/** One group over the lower-cased text (case-folded patterns), one over the text as is. */
const LOWER_GROUP = scannerGroup();
/**
 * The lower-case scanner, shared with difficulty.ts: it counts its own units over the same lower-cased text right
 * after the cues, so its table reads hit the lines the cue scan has just brought into the cache instead of a second
 * table's (units are counted per call mask: the two sets never mix).
 */
export const LOWER_CASE_SCANNER = LOWER_GROUP.scanner;
const TEXT_GROUP = scannerGroup();
/** The same for the branches that need a CJK ideograph: run only over text that has one. */
const CJK_LOWER_GROUP = scannerGroup();
const CJK_TEXT_GROUP = scannerGroup();

/**
 * `prechecks[i]`, when given, is a non-global pattern that matches every text in which `pattern[i]` has a match (a
 * necessary condition, e.g. an operator character): the full scan is skipped when it fails, which cannot change a count.
 */
function cue(name: string, pattern: RegExp | RegExp[], scope: CueScope = 'all', prechecks: ReadonlyArray<RegExp | null> = []): CueDefinition {
  const given = Array.isArray(pattern) ? pattern : [pattern];
  for (const p of prechecks) if (p !== null && (p.global || p.sticky)) throw new Error(`cue ${name}: a precheck must not be global or sticky`);
  const folded = given.some((p) => p.flags.includes('i'));
  if (folded && !given.every((p) => p.flags.includes('i'))) throw new Error(`cue ${name} mixes case-folded and case-sensitive patterns`);
  const split = given.map((p) => splitByCjk(caseFolded(p)));
  const patterns: RegExp[] = [];
  const scannedUnits: number[] = [];
  const regexPatterns: RegExp[] = [];
  const regexPrechecks: Array<RegExp | null> = [];
  const cjkPatterns: RegExp[] = [];
  const cjkScannedUnits: number[] = [];
  for (const s of split) {
    if (s.cjk === null) continue;
    const unit = addToGroup(folded ? CJK_LOWER_GROUP : CJK_TEXT_GROUP, s.cjk, scope);
    if (unit >= 0) cjkScannedUnits.push(unit);
    else cjkPatterns.push(s.cjk);
  }
  split.forEach((s, i) => {
    if (s.any === null) return;
    patterns.push(s.any);
    const unit = addToGroup(folded ? LOWER_GROUP : TEXT_GROUP, s.any, scope);
    if (unit >= 0) scannedUnits.push(unit);
    else {
      regexPatterns.push(s.any);
      regexPrechecks.push(prechecks[i] ?? null);
    }
  });
  return {
    name,
    patterns,
    cjkPatterns,
    cjkScannedUnits,
    scannedUnits,
    regexPatterns,
    prechecks: regexPrechecks,
    scope,
    caseFolded: folded,
  };
}

/** Order matters: it is the feature layout of the learned model. Append only, and bump FEATURE_VERSION when you change it. */
export const CUES: readonly CueDefinition[] = [
  // --- demand: the task needs thinking ---
  cue('math_expression', /\d\s*[+\-*/×÷^=<>≤≥≠]\s*[\d(a-zA-Z]|[\d)]\s*[²³]|\d+\s*\/\s*\d+|[=＝]\s*[?？]/g, 'all', [/[+\-*/×÷^=<>≤≥≠²³＝]/]),
  cue('latex', /[$\\](?:(?<=\$)[^$\n]{1,300}\$|(?<=\\)(?:frac|sqrt|sum|int|begin|left|right|cdot|times|alpha|beta|theta|pi|leq|geq|neq|mathrm|overrightarrow|vec|log|sin|cos|tan|infty|lim)(?![a-zA-Z]))/g),
  cue('equation_variable', /(?<![a-zA-Z])[a-zA-Z]\s*[=<>≤≥]\s*[-\d a-zA-Z(]|(?<![a-zA-Z])[a-zA-Z]\s*\^\s*\d|(?<![a-zA-Z])[fgh]\s*\(\s*[a-z]\s*\)|\d[a-z]\s*[-+]\s*\d|√|∠|△|∑|∫|≡/g, 'all', [
    /[=<>≤≥^(√∠△∑∫≡]|[-+]\s*\d/,
  ]),
  cue('code_syntax', [
    /```|#include|=>|>>>|\w\[\w{1,6}\]|[;{][ \t]*$/gm,
    /\b(?:def\s+\w+\s*\(|function\s+\w*\s*\(|class\s+\w+\s*[:({]|public\s+static|return\s+(?:true|false|none|null|\w+\s*[-+*/([])|import\s+\w+|console\.log|print\s*\(|(?:int|void|const|let|var)\s+\w+\s*[=(;])/g,
  ], 'all', [/[`#=>[;{]/, null]),
  cue('code_request', /\b(?:write|implement|code|create|design)\b[^.\n]{0,40}\b(?:function|program|script|algorithm|method|query|regex|class)\b|\b(?:python|java|javascript|typescript|rust|golang|sql)\b|\bc\+\+|\bwrite (?:the |some )?code\b|\bregex|\bdeadlock|race condition|\bmutex|\balgorithm|time complexity|\bdebug|\bbug\b|正则|死锁|并发|数组|链表|字符串\s*[a-z]|整数\s*[a-z]|算法|编写|写一个函数|函数实现|程序|代码|复杂度|子数组|子序列|下标|二叉树|返回/gi),
  cue('proof', /\bprove\b|\bproof\b|\bshow that\b|\bderive\b|证明|求证|推导|论证/gi),
  cue('unknown_to_find', /how many|how much|how long|how far|how old|what(?:'s| is) the (?:value|probability|number of|sum|product|area|volume|minimum|maximum|largest|smallest|remainder|total|least|greatest)|\bfind (?:the|all|x|y|a|an|out how)\b|\bsolve\b|\bcalculate\b|\bcompute\b|\bdetermine\b|\bevaluate\b|多少|几(?:个|天|只|本|人|元|次|种|岁|米|分|小时|辆|条|块|张|页|倍|名)|求(?!职|助|婚|学|救|饶)|计算|解(?:方程|不等式)|找规律|规律是|填数|算一算|算出|等于几|值为|取值范围|之和|之积|多长|多远|有多[高重长远大宽深快]|几[折日月号时]|报几|百分之几|what times?\b|what percent(?:age)?|by how much|what fraction|at what (?:time|rate|speed|age)|how fast|\bderivative|\bintegral\b|antiderivative|\blimit of\b|\bmedian\b|导数|求导|积分|极限|what (?:current|distance|speed|velocity|force|acceleration|mass|energy|power|voltage|pressure|move|colou?r)\b|on (?:which|what) day|when will|\bsum of\b|what(?:'s| is) the (?:chance|likelihood|expected)|\bchance that|on average|\bestimate\b|guarantee|how (?:should|can|do) (?:i|we|you|he|she) (?:split|allocate|divide|measure|determine|arrange|seat)|多久|几点|星期几|第几|几段|各(?:有)?(?:几|多少)|几何(?![体图学])|可能性有多大|才能(?:保证|确定|必胜)|必胜|怎样才能|应该怎么(?:取|分|问|安排|走)/gi),
  cue('constraint_cue', /at least|at most|exactly|no more than|no fewer than|\beach\b|\bevery\b|remaining|\bleft over\b|twice|\bhalf\b|times as|more than|fewer than|less than|\bper\b|in total|altogether|至少|最多|最少|恰好|恰有|每(?:个|人|天|只|本|次|小时|分钟|千克|米|条|组|行|面|辆|瓶|箱|盒|位)|剩下|剩余|还剩|一共|共有|总共|倍|平均|比.{1,8}(?:多|少|快|慢|大|小|高|矮|重|轻|早|晚)|\bnext to\b|\b(?:left|right) of\b|\badjacent|\bimmediately (?:before|after|after)\b|\bnot (?:be )?(?:first|last)\b|either end|紧挨|相邻|左边|右边|两端|隔了|第一名|最后一名|不超过|不少于|满足|各有|\b(?:taller|shorter|older|younger|heavier|lighter|faster|slower|richer|poorer|larger|smaller|bigger) than\b/gi),
  cue('logic_cue', /\bif\b[^.?\n]{0,80}\bthen\b|\bsuppose\b|\bassume\b|\bassuming\b|\beither\b|\bneither\b|tell(?:s|ing)? the truth|\blies\b|\blying\b|how (?:is|was) (?:that|this|it) possible|是真是假|真假|\btrue or false\b|which of the following|\blogically\b|\bdeduce\b|\bconsistent\b|\bcontradict|\bimplies\b|\bnecessarily\b|\b(?:true|false)\s+(?:and|or)\b|\bnot\s+(?:not\s+)*(?:true|false)\b|\bdeductively\b|\bvalid\b|\bpremises?\b|如果.{0,40}(?:那么|则|就)|假设|假如|若|则|推理|推断|真话|假话|说谎|下列|以下.{0,8}(?:正确|错误|成立)|必然|一定(?:是|不是|为)|是否(?:成立|正确|合理|可能)|判断|分别是|各是什么|各(?:自)?是哪|充分|必要|矛盾|甲.{0,4}乙.{0,4}丙|[A-E]、[A-E]、[A-E]|must be (?:true|false)|can be (?:concluded|inferred|deduced)|can we conclude|what can (?:we|you|be) (?:conclude|infer)|does it follow|\bknights?\b|\bknaves?\b|tautolog|syllogism|best explains|\bweaken|\bstrengthen|\bnobody\b|\bno one\b|\beveryone who\b|\bonly if\b|who (?:is|are) (?:telling|lying)|哪项|哪一项|可以推出|能推出|可以得出|得出什么结论|由此可|据此|能否断定|为真|为假|削弱|加强|凡是|所有的|只有.{0,20}才|要么.{0,20}要么|不是.{0,8}就是|谁是|谁说|说的都是真|说的是真|贴错|推断|逻辑关系|最为相似|符合要求|\b(?:all|every|no|some) [a-z]+ (?:are|is)\b[^.?!\n]{0,60}\b(?:all|every|no|some) [a-z]+ (?:are|is)\b/gi),
  cue('multi_step', /\b(?:minimum|maximum|fewest|shortest) (?:number|time|cost|amount|distance)|critical path|(?:怎样|怎么|如何)安排|排好|排成|step by step|step-by-step|\bplan\b|\bschedule\b|optimi[sz]|minimi[sz]|maximi[sz]|trade-?offs?|\bstrategy\b|\bfirst\b[^.\n]{0,100}\bthen\b|\bin order\b|\bsequence\b|\bshuffl|\bswap|\btake \d+ steps?|\bstarting point\b|步骤|规划|最优|最短|最长|最小|最大|方案数|策略|先.{0,30}再|依次|顺序|交换|排列|排序|从高到低|从低到高|从大到小|从小到大/gi),
  cue('options_mc', /(?:^|\n)\s*\(?[A-E][.)）．、:：]\s?|\boptions?:|选项/g),
  cue('numbers', /\d+(?:[.,]\d+)?|(?:[一二三四五六七八九十百千万两]{2,}|[二三四五六七八九十百千万两])(?:个|只|本|人|元|天|次|倍|米|岁|辆|条|块|张|分|小时|千米|公里|克|升|斤|年|周|头|足|位|道|件|页|度|秒|成|折|点)/g),
  cue('question_mark', /[?？]/g),
  // --- intent: the task is direct even when the material is hard ---
  cue('intent_translate', /translat|\b(?:in|into|to) (?:english|chinese|mandarin|cantonese|french|spanish|german|japanese|korean|italian|russian|portuguese|arabic|dutch|swedish|norwegian|danish|finnish|polish|czech|greek|turkish|hebrew|hindi|urdu|bengali|persian|thai|vietnamese|indonesian|malay|tagalog|swahili|ukrainian|romanian|hungarian|latin)\b|\b(?:english|chinese|mandarin|cantonese|french|spanish|german|japanese|korean|italian|russian|portuguese|arabic|dutch|swedish|norwegian|danish|finnish|polish|czech|greek|turkish|hebrew|hindi|urdu|bengali|persian|thai|vietnamese|indonesian|malay|tagalog|swahili|ukrainian|romanian|hungarian|latin) (?:version|translation)\b|how (?:do|would|can) (?:you|i) say|翻译|译成|译为|译文|英文怎么说|中文怎么说|英译中|中译英|翻成|(?:成|为|用|以)(?:英|中|日|韩|法|德|俄|西班牙|葡萄牙|意大利|阿拉伯|泰|越南|荷兰|瑞典|希腊|土耳其)(?:文|语)|(?:英|中|日|韩|法|德|俄|西班牙|葡萄牙|意大利|阿拉伯|泰|越南|荷兰|瑞典|希腊|土耳其)(?:文|语)版/gi, 'edges'),
  cue('intent_summarize', /summar|tl;?dr|key points|main points|main idea|\bgist\b|\bshorten|condense|in (?:one|a few|two|three) sentences?|\brecap\b|\boverview of (?:this|the following|the above)|\bbullet points\b|总结|概括|摘要|归纳|提炼|要点|主要内容|中心思想|缩写|一句话|精简|缩短|删减|压缩一下|字数减半/gi, 'edges'),
  cue('intent_rewrite', /rewrite|re-write|rephrase|paraphrase|polish|proofread|reword|make (?:it|this) (?:more|less|sound)|improve the (?:wording|writing|grammar|flow)|\b(?:check|fix|correct|improve)\b[^.?\n]{0,25}\b(?:grammar|spelling|typos|wording)\b|grammatical (?:errors|mistakes)|\bformal\b|politely|\btone\b|(?:simpler|plainer|plain|easier) (?:words|language|terms)|so (?:that )?(?:a|an) (?:child|kid|\w+-year-old|beginner) can (?:read|understand)|润色|改写|重写|改成|修改|语气|措辞|正式一?点|礼貌|通顺|病句|校对|扩写|仿写|改一下|口语化|通俗|白话|说一遍|复述|转述|错别字|语法错误/gi, 'edges'),
  cue('intent_explain_word', /what does .{1,40} mean|meaning of|definition of|\bdefine\b|synonym|antonym|\bspell\b|pronounce|什么意思|的意思|含义|意思是|近义词|反义词|成语|怎么读|拼音/gi, 'edges'),
  cue('intent_write', /\b(?:write|draft|compose)\b (?:a|an|me|some|my)\b[^.\n]{0,30}\b(?:email|letter|poem|story|essay|tweet|post|speech|review|ad|slogan|song|joke|caption|bio|message|note|toast|announcement|description)|写一(?:封|首|篇|段|份|则)|写个|作诗|写信|文案|广告语|口号|祝福|请假条|假条/gi, 'edges'),
  cue('chitchat', /^\s*(?:hi|hello|hey|thanks|thank you|good (?:morning|night|evening|afternoon)|how are you|what's up|lol|haha|bye|ok|okay|cool|nice)\b|你好|谢谢|早上好|晚安|哈哈|在吗|嗨|你是谁|你叫什么|你喜欢|聊天|无聊|开心|难过|你会|你觉得/gi, 'edges'),
  cue('service_cue', /\b(?:order|refund|shipping|deliver|account|password|subscription|cancel|booking|reservation|recommend|restaurant|hotel|flight|recipe|weather)\b|订单|退款|退货|快递|发货|客服|会员|账号|密码|预订|预定|推荐|酒店|餐馆|餐厅|景点|航班|天气|菜谱|做法/gi),
  cue('factual_question', /^\s*(?:who|what|when|where|which|why|how) (?:is|are|was|were|did|does|do)\b|tell me about|\bwho (?:is|was|wrote|invented)\b|介绍一下|是什么|是哪|在哪|哪里|什么时候|有哪些|知道.{1,30}吗|看过.{1,30}吗|听过.{1,30}吗/gi),
  // --- appended in FEATURE_VERSION 8 ---
  // The prompt says outright that the material is not to be worked on ("don't solve it", "代码不要动"): whatever the
  // material demands, the task is to handle the text. Anywhere in the text: such a clause rarely sits inside material.
  cue('intent_as_material', /\b(?:don'?t|do not|no need to|without) (?:solve|solving|answer|answering|calculate|calculating|change|changing|work(?:ing)? (?:it|them) out)\b|keep (?:the )?(?:numbers|formulas|code|questions|facts)\b[^.\n]{0,30}(?:unchanged|as (?:they|it) (?:are|is))|\bunchanged\b|\bwithout (?:the |an |any )?(?:answer|solution)s?\b|\b(?:don'?t|do not) (?:want|need|give|include|show|provide|write)(?: me)? (?:the |an |any )?(?:answer|solution)s?\b|不用解|不要解|不需要解|无需解|不用算|不用计算(?!器|机)|不要计算(?!器|机)|不用做|别做|不要改动|不改动|不要动|保持不变|原样|(?:(?<![识区辨差告特级类性派个])别|不要|不用|无需|不需要|不必)(?:给|写|提供|附|讲)?出?我?(?:答案|解答|解析|解法|作答|回答|解题|解(?![释决])|算(?!法)|计算(?!器|机))|答案(?:就)?(?:不要|不用|不需要)|\b(?:i'?m|i am|we'?re|we are) not (?:asking|looking) for (?:a |an |the )?(?:solution|answer)s?\b|\bno (?:solving|working|solution|answer)s? (?:needed|required|necessary|please)\b|\bwithout (?:solving|answering|working (?:it|them|this) out|giving (?:away )?(?:the )?(?:answer|solution))\b/gi),
  // Reading comprehension frame: the answer is looked up in the given passage, not derived.
  cue('intent_lookup', /read the (?:passage|text|following)|according to the (?:text|passage|article|paragraph|material)|based on the (?:text|passage|article)|\bpassage:|阅读(?:下面|以下|下列|材料|短文|这段)|根据(?:材料|上文|短文|文章|这段|以上(?!(?:的)?(?:条件|信息|陈述|规则|要求|线索|已知|推断|论述|数据))|下面的?(?:材料|短文|文章|这段|段落))|阅读理解/gi, 'edges'),
  // (logic_cue, v9: two quantified clauses in a row — "all bloops are razzies and all razzies are lazzies" — is a
  // categorical syllogism; one alone, "all tickets are sold out", is not.)
  // The task asks for a justified answer (the reasoning itself is the deliverable), not a fact or a text.
  cue('justify_request', /explain (?:your|the) (?:reasoning|answer|logic|steps)|explain why\b|\bshow (?:your |the |all )?(?:work|steps|calculation|reasoning)\b|\bjustify|walk (?:me )?through|reason (?:it )?out|think (?:it )?through|\brigorous|how did you (?:get|arrive)|\bsketch (?:a|the) (?:proof|reduction|argument)|careful argument|convince me|why it works|identify (?:possible |the )?(?:confounders|flaws|assumptions)|design (?:a|an) (?:study|experiment)|\bsignificant at|check (?:the|my) (?:math|logic|reasoning)|说明理由|说明原因|推理过程|解题过程|计算过程|写出.{0,6}过程|请分析|分析一下|并分析|分析.{0,8}(?:原因|影响|利弊|优缺点|机制)|论证|严谨|说明为什么|错在哪|算算|帮我算|推理链|如何验证|用数据验证/gi),
  // Vocabulary of maths and science problems: the objects reasoning tasks are about (not "what is X" definitions on
  // their own: this cue alone stays below the threshold).
  cue('math_science_vocab', /\bprimes?\b|divisib|remainder|modulo|factorial|permutation|\bprobabilit|expected value|how many ways|number of ways|variance|standard deviation|converg|diverg|polynomial|quadratic|inequalit|\bgcd\b|\blcm\b|resistor|voltage|velocity|acceleration|momentum|kinetic|\bmoles?\b|\bmolar\b|np-(?:complete|hard)|\bdfa\b|automaton|recurrence|induction|质数|素数|整除|余数|个位数|次方|阶乘|排列数|组合数|概率|方差|不等式|方程|数列|通项|单调|定义域|值域|最值|加速度|速度|动能|势能|电压|电阻|电流|压强|浮力|摩尔|溶液|质量分数|沸点|气压|携带者|显性|隐性/gi),
  // --- appended in FEATURE_VERSION 10 ---
  // The material is handled as text, not worked on: typeset, converted to a format, copied out, classified by topic
  // ("Put this question into LaTeX source", "这道题考什么知识点？"). Two structural forms generalise beyond word lists:
  // Chinese 把/将 + the material (这道题, 下面这段…) + a verb that is not a solving one (解/算/求/证/答/做/讲…) — the
  // material is the object being handled ("把这道题翻成日文", "把下面这道题拆开") — and an English handling verb
  // pointing at the material ("tag this question…"). Edges only, like the other frames.
  cue('intent_handle_material', /\b(?:format|typeset|transcribe|retype|reformat|convert|turn|put|copy)\b[^.?\n]{0,40}\b(?:markdown|latex|html|json|yaml|csv|a table|plain text)\b|\b(?:classify|categori[sz]e)\b[^.?\n]{0,30}\b(?:topic|subject|category|genre|question|problem|text|following)\b|排版|整理成(?:表格|列表)|抄写|誊写|考(?:的是)?(?:什么|哪个|哪些)知识点|知识点(?:是什么|名称)|归类|(?:把|将)(?:这|(?:下面|上面|以下|以上)的?这?|该|此)一?(?:道|个|段|句|则|篇)?的?(?:题目?|段话?|句话?|内容|文字|问题|证明|材料)(?:(?!解|算|求|证|答|做|讲|懂|看|补|推|完成|分析|思路|过程|步骤|方法|怎|为什么|几|多少)[^，。,.？?！!；;：:\n]){0,10}?(?:翻译|译|翻|改|换|转|写成|编成|做成|整理|排版|拆|列|抄|标|加|删|缩|扩|润色|校对|表述|说一遍|读)|\b(?:render|typeset|transcribe|copy|quote|tag|label|caption|reformat|spell-?check)\b[^.?!\n]{0,30}\b(?:this|the following|the above|these|it)\b|\b(?:spot|find|mark|highlight|list) (?:any |all |the )?(?:spelling|grammar|grammatical|punctuation|typo)/gi, 'edges'),
];

export const CUE_INDEX: Readonly<Record<string, number>> = Object.fromEntries(CUES.map((c, i) => [c.name, i]));

/** Indices of cue groups the features and the heuristic combine. */
export const DEMAND_CUES: readonly string[] = [
  'math_expression', 'latex', 'equation_variable', 'code_syntax', 'code_request', 'proof', 'unknown_to_find', 'constraint_cue', 'logic_cue', 'multi_step', 'options_mc', 'justify_request', 'math_science_vocab',
];
export const FRAME_INTENT_CUES: readonly string[] = ['intent_translate', 'intent_summarize', 'intent_rewrite', 'intent_explain_word', 'intent_write', 'intent_as_material', 'intent_lookup', 'intent_handle_material'];

/** Lists per cue flattened into one array and the index where each cue's list starts (cue i: start[i] ..< start[i + 1]). */
function flatten<T>(lists: ReadonlyArray<readonly T[]>): { start: Int32Array; items: T[] } {
  const start = new Int32Array(lists.length + 1);
  lists.forEach((list, i) => (start[i + 1] = (start[i] ?? 0) + list.length));
  return { start, items: lists.flat() as T[] };
}

/**
 * What counting reads per cue, flattened at load into a few arrays: walking the 26 definition objects and their own
 * arrays touched ~90 cache lines per request, each a miss in a server whose other work evicts them in between.
 */
const CASE_FOLDED = Uint8Array.from(CUES, (c) => (c.caseFolded ? 1 : 0));
const AT_EDGES = Uint8Array.from(CUES, (c) => (c.scope === 'edges' ? 1 : 0));
const SCANNED = flatten(CUES.map((c) => c.scannedUnits));
const CJK_SCANNED = flatten(CUES.map((c) => c.cjkScannedUnits));
const REGEXES = flatten(CUES.map((c) => c.regexPatterns));
const PRECHECKS = flatten(CUES.map((c) => c.prechecks));
const CJK_REGEXES = flatten(CUES.map((c) => c.cjkPatterns));

function countMatches(cue: number, text: string, cjk: boolean, scanned: Int32Array, cjkScanned: Int32Array): number {
  if (text.length === 0) return 0;
  let count = 0;
  for (let k = SCANNED.start[cue] ?? 0; k < (SCANNED.start[cue + 1] ?? 0); k++) count += scanned[SCANNED.items[k] ?? -1] ?? 0;
  // String.prototype.match with a /g pattern resets lastIndex itself, so the shared patterns carry no state between calls.
  for (let k = REGEXES.start[cue] ?? 0; k < (REGEXES.start[cue + 1] ?? 0); k++) {
    const precheck = PRECHECKS.items[k];
    if (precheck != null && !precheck.test(text)) continue;
    count += text.match(REGEXES.items[k] as RegExp)?.length ?? 0;
  }
  if (cjk) {
    for (let k = CJK_SCANNED.start[cue] ?? 0; k < (CJK_SCANNED.start[cue + 1] ?? 0); k++) count += cjkScanned[CJK_SCANNED.items[k] ?? -1] ?? 0;
    for (let k = CJK_REGEXES.start[cue] ?? 0; k < (CJK_REGEXES.start[cue + 1] ?? 0); k++) count += text.match(CJK_REGEXES.items[k] as RegExp)?.length ?? 0;
  }
  return Math.min(count, MAX_COUNT);
}

/** The edge region of a text: head and tail, or the whole text when it is short. */
export function edgeText(text: string): string {
  if (text.length <= EDGE_HEAD + EDGE_TAIL) return text;
  return text.slice(0, EDGE_HEAD) + '\n' + text.slice(text.length - EDGE_TAIL);
}

const DEMAND_INDICES = DEMAND_CUES.map((name) => CUE_INDEX[name] ?? -1);
const FRAME_INDICES = FRAME_INTENT_CUES.map((name) => CUE_INDEX[name] ?? -1);
const REWRITE_INDEX = CUE_INDEX['intent_rewrite'] ?? -1;
const WRITE_INDEX = CUE_INDEX['intent_write'] ?? -1;
const CODE_SYNTAX_INDEX = CUE_INDEX['code_syntax'] ?? -1;
const LATEX_INDEX = CUE_INDEX['latex'] ?? -1;
const CODE_REQUEST_INDEX = CUE_INDEX['code_request'] ?? -1;

/**
 * Whether the prompt is framed as a direct task (translate/summarise/rewrite/…) around its material.
 * "Rewrite" around code (two or more code marks, more than LaTeX ones) is refactoring and "write" about code ("写个SQL",
 * "write a script") is programming: neither counts as a direct frame.
 */
export function isDirectTaskFrame(counts: CueCounts): boolean {
  // One stray code-like mark (a line ending in ";" in an exam paper, LaTeX braces) is not code to refactor.
  const code = counts[CODE_SYNTAX_INDEX] ?? 0;
  const refactoring = code >= 2 && code > (counts[LATEX_INDEX] ?? 0);
  const programming = refactoring || (counts[CODE_REQUEST_INDEX] ?? 0) > 0;
  for (const i of FRAME_INDICES) if ((counts[i] ?? 0) > 0 && !(i === REWRITE_INDEX && refactoring) && !(i === WRITE_INDEX && programming)) return true;
  return false;
}

/** In estimated tokens, not characters: a Chinese passage says as much in ~⅓ of the characters of an English one. */
const LOOKUP_MIN_TOKENS = 75;
const LOOKUP_MAX_QUESTION_CHARS = 80;
const QUESTION_END = /[?？吗呢]\s*$/;
const NEWLINE = 10;

/**
 * Reading comprehension: a long passage, then a short final line that asks a question with no demand cue of its own
 * ("…\n《X》是哪一年上映的？"). The passage's numbers and conditionals are material to look things up in, not a task.
 */
export function isPassageLookup(text: string): boolean {
  const trimmed = text.trimEnd();
  // The cheap tests first: most prompts do not end in a short question line after a break. A loop, not lastIndexOf:
  // V8 runs that in C++ (a runtime call, and its code to fetch) for one character.
  let lastBreak = trimmed.length - 1;
  while (lastBreak >= 0 && trimmed.charCodeAt(lastBreak) !== NEWLINE) lastBreak--;
  if (lastBreak < 0) return false;
  const question = trimmed.slice(lastBreak + 1).trim();
  if (question.length === 0 || question.length > LOOKUP_MAX_QUESTION_CHARS || !QUESTION_END.test(question)) return false;
  if (estimateTokens(trimmed) < LOOKUP_MIN_TOKENS) return false;
  const counts = cueCounts(question);
  return DEMAND_INDICES.every((i) => (counts[i] ?? 0) === 0);
}

const LOWER_COUNTS = new Int32Array(LOWER_GROUP.scanner.size);
const TEXT_COUNTS = new Int32Array(TEXT_GROUP.scanner.size);
const CJK_LOWER_COUNTS = new Int32Array(CJK_LOWER_GROUP.scanner.size);
const CJK_TEXT_COUNTS = new Int32Array(CJK_TEXT_GROUP.scanner.size);

/** Counts a group's units: the whole-text ones over `whole`, the edge ones over `edges` (one pass when they are one text). */
function scanGroup(group: ScannerGroup, whole: string, edges: string, out: Int32Array): void {
  if (whole === edges) {
    if ((group.wholeUnits | group.edgeUnits) !== 0) group.scanner.count(whole, out, MAX_COUNT, group.wholeUnits | group.edgeUnits);
    return;
  }
  if (group.wholeUnits !== 0) group.scanner.count(whole, out, MAX_COUNT, group.wholeUnits);
  if (group.edgeUnits !== 0) group.scanner.count(edges, out, MAX_COUNT, group.edgeUnits);
}

/**
 * Match counts of every cue, in CUES order. A count stops at MAX_COUNT (20), so a byte holds it: the 26 bytes stay on
 * V8's heap, where a typed array over 64 bytes (26 float64s were 208) gets a malloc'd store the collector must free.
 */
export type CueCounts = Uint8Array;

/** Raw match counts of every cue, in CUES order (see CueCounts). */
export function cueCounts(text: string): CueCounts {
  const counts = new Uint8Array(CUES.length);
  const edges = edgeText(text);
  const lower = text.toLowerCase();
  // A short text is its own edge region (edgeText returns it as is): fold its case once, not twice.
  const lowerEdges = edges === text ? lower : edges.toLowerCase();
  const cjk = HAS_CJK.test(text);
  scanGroup(LOWER_GROUP, lower, lowerEdges, LOWER_COUNTS);
  scanGroup(TEXT_GROUP, text, edges, TEXT_COUNTS);
  if (cjk) {
    scanGroup(CJK_LOWER_GROUP, lower, lowerEdges, CJK_LOWER_COUNTS);
    scanGroup(CJK_TEXT_GROUP, text, edges, CJK_TEXT_COUNTS);
  }
  for (let i = 0; i < counts.length; i++) {
    const folded = CASE_FOLDED[i] === 1;
    const scoped = folded ? (AT_EDGES[i] === 1 ? lowerEdges : lower) : AT_EDGES[i] === 1 ? edges : text;
    counts[i] = countMatches(i, scoped, cjk, folded ? LOWER_COUNTS : TEXT_COUNTS, folded ? CJK_LOWER_COUNTS : CJK_TEXT_COUNTS);
  }
  return counts;
}

/** Operands are literals (digits or Chinese numerals); "15% of 200" and "200的百分之十五" are one multiplication. */
const TRIVIAL_ARITHMETIC =
  /^\s*(?:what(?:'s| is)|how much is|calculate|compute|计算|请问)?\s*(?:[\d\s.,+\-*/×÷()=＝%零一二三四五六七八九十百千两]|加|减|乘以?|除以|times|plus|minus|divided by|\bof\b|的百分之)+\s*(?:(?:等于|是)?(?:几|多少))?\s*[?？=＝]?\s*$/i;
const OPERATOR = /[+\-*/×÷%]|加|减|乘|除|times|plus|minus|divided|百分之/g;

/** "what is 2+2", "3×4等于几": one or two operations on small literals, answered without thinking. */
export function isTrivialArithmetic(text: string): boolean {
  if (text.length > 40 || !TRIVIAL_ARITHMETIC.test(text)) return false;
  const operators = text.match(OPERATOR);
  return operators !== null && operators.length <= 2;
}

function isCjkCode(code: number): boolean {
  return (code >= 0x3400 && code <= 0x9fff) || (code >= 0xf900 && code <= 0xfaff);
}

/** Share of CJK ideographs among non-space characters (0 for empty text). Counted over char codes: no allocation. */
export function cjkShare(text: string): number {
  let cjk = 0;
  let visible = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code <= 32) continue;
    visible++;
    if (isCjkCode(code)) cjk++;
  }
  return visible === 0 ? 0 : cjk / visible;
}

/**
 * `cjkShare(text.slice(0, limit)) >= minShare`, stopping as soon as the answer is sure: once the ideographs reach
 * minShare of every character the scan could still see, the share can only be ≥ minShare (Chinese text stops within
 * its first tens of characters).
 */
export function cjkShareAtLeast(text: string, minShare: number, limit = text.length): boolean {
  const end = Math.min(text.length, limit);
  const enough = minShare * end;
  let cjk = 0;
  let visible = 0;
  for (let i = 0; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code <= 32) continue;
    visible++;
    if (isCjkCode(code) && ++cjk >= enough) return true;
  }
  return (visible === 0 ? 0 : cjk / visible) >= minShare;
}

/** Rough token estimate without a tokenizer: a CJK ideograph is ~1 token, other text ~4 characters a token. */
export function estimateTokens(text: string, chars = text.length): number {
  const share = cjkShare(text);
  return Math.round(chars * (share + (1 - share) / 4));
}
